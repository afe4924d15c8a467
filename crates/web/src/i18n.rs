//! Interface languages: Indonesian (the default) and English. The strings live in
//! `i18n/id.json` and `i18n/en.json`, built into the binary; `?lang=en|id` switches the
//! language and remembers the choice in a `lang` cookie.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// `id` or `en`, as used in `?lang=`, the cookie and the domain's `label(lang)`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// A whole number with its digits grouped as this language writes them: `50.000`, `50,000`.
    pub fn group(self, n: u64) -> String {
        berdaya_files::limits::group_with(
            n,
            match self {
                Lang::Id => '.',
                Lang::En => ',',
            },
        )
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    /// This language's strings.
    pub fn tr(self) -> &'static Translations {
        match self {
            Lang::Id => &ID,
            Lang::En => &EN,
        }
    }
}

/// The strings of one language, by key (`nav.households`).
#[derive(Debug)]
pub struct Translations {
    lang: Lang,
    strings: HashMap<String, String>,
}

impl Translations {
    fn load(lang: Lang, name: &str, json: &str) -> Translations {
        // The files are part of the build and a unit test parses them; should one still be
        // broken, pages show keys rather than the server failing.
        let strings = serde_json::from_str(json).unwrap_or_else(|err| {
            tracing::error!(file = name, error = %err, "translation file does not parse");
            HashMap::new()
        });
        Translations { lang, strings }
    }

    /// The language these strings are in.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The string for `key`; the key itself when it is missing (a unit test forbids that).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }
}

const ID_JSON: &str = include_str!("../i18n/id.json");
const EN_JSON: &str = include_str!("../i18n/en.json");

static ID: LazyLock<Translations> = LazyLock::new(|| Translations::load(Lang::Id, "id.json", ID_JSON));
static EN: LazyLock<Translations> = LazyLock::new(|| Translations::load(Lang::En, "en.json", EN_JSON));

tokio::task_local! {
    /// The language API answers put their translated `text` in.
    static ANSWER_LANG: Lang;
}

/// The language of the current request's answer texts: `?lang=`, else the `lang` cookie,
/// else `Accept-Language` (its first `id` or `en`), else Indonesian.
pub fn answer_lang() -> Lang {
    ANSWER_LANG.try_with(|l| *l).unwrap_or_default()
}

/// The first of `id`/`en` an `Accept-Language` header lists (`en-US,en;q=0.9` → English).
fn accepted(header: &str) -> Option<Lang> {
    header.split(',').find_map(|part| {
        let tag = part.split(';').next().unwrap_or("").trim();
        Lang::parse(tag.split('-').next().unwrap_or(""))
    })
}

/// Middleware: picks the language from `?lang=`, else the `lang` cookie, else Indonesian;
/// stores it in the request and, when `?lang=` chose it, sets the cookie. Pages keep to
/// that choice; the `text` of API errors also heeds `Accept-Language`.
pub async fn language(mut req: Request, next: Next) -> Response {
    let from_query =
        req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))).and_then(Lang::parse);
    let from_cookie = || {
        req.headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| c.trim().strip_prefix("lang="))
            .and_then(Lang::parse)
    };
    let chosen = from_query.or_else(from_cookie);
    let lang = chosen.unwrap_or_default();
    let answer = chosen
        .or_else(|| {
            req.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(accepted)
        })
        .unwrap_or_default();
    req.extensions_mut().insert(lang);
    let mut res = ANSWER_LANG.scope(answer, next.run(req)).await;
    if let Some(chosen) = from_query {
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", chosen.code());
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(SET_COOKIE, value);
        }
    }
    res
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    fn keys(json: &str) -> BTreeSet<String> {
        let map: HashMap<String, String> = serde_json::from_str(json).expect("translation file parses");
        map.into_keys().collect()
    }

    /// Every translation key a text asks for with the `.t(…)` call templates and handlers use.
    fn used_keys(text: &str, out: &mut BTreeSet<String>) {
        for (i, _) in text.match_indices(".t(\"") {
            let rest = &text[i + 4..];
            if let Some(end) = rest.find('"') {
                let key = &rest[..end];
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    out.insert(key.to_string());
                }
            }
        }
    }

    fn scan(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                scan(&path, out);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("html" | "rs")) {
                used_keys(&std::fs::read_to_string(&path).expect("read"), out);
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let id = keys(ID_JSON);
        let en = keys(EN_JSON);
        let only_id: Vec<_> = id.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&id).collect();
        assert!(only_id.is_empty() && only_en.is_empty(), "only in id.json: {only_id:?}; only in en.json: {only_en:?}");
    }

    #[test]
    fn every_key_used_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        scan(&root.join("templates"), &mut used);
        scan(&root.join("src"), &mut used);
        assert!(used.len() > 50, "the scan found only {} keys", used.len());
        let id = keys(ID_JSON);
        let missing: Vec<_> = used.iter().filter(|k| !id.contains(*k)).collect();
        assert!(missing.is_empty(), "keys used but not translated: {missing:?}");
    }

    #[test]
    fn accept_language_picks_the_first_known_language() {
        assert_eq!(accepted("en-US,en;q=0.9,id;q=0.8"), Some(Lang::En));
        assert_eq!(accepted("id-ID, en;q=0.5"), Some(Lang::Id));
        assert_eq!(accepted("fr-FR, de"), None);
        assert_eq!(Lang::En.tr().lang(), Lang::En);
    }

    #[test]
    fn lookups_fall_back_to_the_key() {
        assert_eq!(Lang::En.tr().t("nav.households"), "Households");
        assert_eq!(Lang::Id.tr().t("nav.households"), "Keluarga");
        let unknown = "no.such.key";
        assert_eq!(Lang::Id.tr().t(unknown), unknown);
    }
}
