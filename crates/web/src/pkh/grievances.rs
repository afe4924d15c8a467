//! PKH: grievances (being built).

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}

/// This part's section of a PKH family's page and of the household page's PKH panel.
pub async fn family_panel(
    _state: &AppState,
    _lang: crate::i18n::Lang,
    _family_id: berdaya_domain::registry::Id,
) -> Result<Option<crate::html::Section>, crate::error::Error> {
    Ok(None)
}
