//! `sqlx::migrate!` reads the migrations directory when the crate compiles: a migration added
//! later must rebuild it.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
