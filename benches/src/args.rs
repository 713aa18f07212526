//! A tiny `--flag value` / `--flag=value` parser with environment fallbacks (no dependency).

use std::collections::HashMap;

/// Parsed command-line flags.
pub struct Args {
    flags: HashMap<String, String>,
}

impl Args {
    /// Parses `std::env::args()`. `--help` prints `usage` and exits.
    pub fn parse(usage: &str) -> Args {
        let mut flags = HashMap::new();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            if a == "--help" || a == "-h" {
                println!("{usage}");
                std::process::exit(0);
            }
            let Some(name) = a.strip_prefix("--") else {
                eprintln!("unexpected argument {a:?}\n\n{usage}");
                std::process::exit(2);
            };
            let (k, v) = match name.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => match it.next() {
                    Some(v) => (name.to_string(), v),
                    None => {
                        eprintln!("flag --{name} needs a value\n\n{usage}");
                        std::process::exit(2);
                    }
                },
            };
            flags.insert(k, v);
        }
        Args { flags }
    }

    /// The flag's value, else the environment variable `env`, else None.
    pub fn get(&self, flag: &str, env: &str) -> Option<String> {
        self.flags
            .get(flag)
            .cloned()
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    }

    /// Parsed value with a default; exits with a message when it does not parse.
    pub fn value<T: std::str::FromStr>(&self, flag: &str, env: &str, default: T) -> T {
        match self.get(flag, env) {
            None => default,
            Some(s) => s.replace('_', "").parse().unwrap_or_else(|_| {
                eprintln!("cannot parse --{flag} {s:?}");
                std::process::exit(2)
            }),
        }
    }

    /// Comma-separated list, or None when absent.
    pub fn list(&self, flag: &str, env: &str) -> Option<Vec<String>> {
        self.get(flag, env).map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
    }
}
