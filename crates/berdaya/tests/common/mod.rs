//! What the tests that run the built binary share: a temporary home to run it in.

use std::path::PathBuf;
use std::process::Command;

/// A temporary home with a data directory, where the built `berdaya` runs with a clean
/// environment.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `berdaya ARGS` with only `PATH`, `HOME` and `XDG_DATA_HOME` set, in the home.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_berdaya"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .current_dir(self.dir.path());
        c
    }
}
