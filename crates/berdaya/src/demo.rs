//! Demo data: the places, institutions and groups of the five seed documents, filled with
//! synthetic households and people. Everything it loads is marked as demo.

use berdaya_store::Store;

/// What the demo loaded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    pub regions: u64,
    pub households: u64,
    pub people: u64,
    pub groups: u64,
    pub agencies: u64,
    pub programs: u64,
    pub enrollments: u64,
}

/// Loads the demo into an empty store and sets the `demo` setting.
pub async fn load(store: &dyn Store) -> anyhow::Result<DemoSummary> {
    let _ = store;
    anyhow::bail!("the demo data is not written yet")
}
