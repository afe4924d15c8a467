//! Request extractors that never fail with a bare 500 or a plain-text rejection: a bad path
//! parameter, query value, content type or body becomes an [`Error`] naming the field, as
//! JSON under `/api` and as an HTML page elsewhere.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use berdaya_domain::registry::{Id, RegionCode, Version};
use berdaya_store::PageRequest;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::access::guard::Auth;
use crate::error::Error;
use crate::i18n::Lang;

/// Whether a path belongs to the JSON API (errors there are JSON).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Shapes an error for where it happened: JSON under `/api`, a page elsewhere.
fn shaped(parts: &Parts, err: Error) -> Error {
    if is_api(parts.uri.path()) { err } else { err.page(parts.extensions.get::<Lang>().copied().unwrap_or_default()) }
}

/// What a page handler works with: the application, the page's language and the signed-in
/// principal (a visitor who is not signed in is refused as [`Auth`] refuses them).
#[derive(Clone)]
pub struct Cx {
    pub state: AppState,
    pub lang: Lang,
    pub auth: Auth,
}

impl FromRequestParts<AppState> for Cx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Ok(lang) = Lang::from_request_parts(parts, state).await;
        let auth = Auth::from_request_parts(parts, state).await?;
        Ok(Cx { state: state.clone(), lang, auth })
    }
}

/// A record id from the path (`/households/{id}`): a positive whole number, else a 400.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub Id);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| shaped(parts, Error::bad_request("id", e.body_text())))?;
        match raw.0.trim().parse::<Id>() {
            Ok(id) if id > 0 => Ok(IdPath(id)),
            _ => Err(shaped(
                parts,
                Error::bad_request("id", format!("`{}` is not a record id (a whole number from 1)", short(&raw.0))),
            )),
        }
    }
}

/// Two record ids from the path (`/groups/{id}/members/{person_id}`): each a positive whole
/// number, else a 400 naming the parameter.
#[derive(Debug, Clone, Copy)]
pub struct IdsPath(pub Id, pub Id);

impl<S: Send + Sync> FromRequestParts<S> for IdsPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| shaped(parts, Error::bad_request("id", e.body_text())))?;
        let mut ids = Vec::with_capacity(2);
        for (name, value) in &raw.0 {
            match value.trim().parse::<Id>() {
                Ok(id) if id > 0 => ids.push(id),
                _ => {
                    let message = format!("`{}` is not a record id (a whole number from 1)", short(value));
                    return Err(shaped(parts, Error::bad_request(name, message)));
                }
            }
        }
        match ids[..] {
            [a, b] => Ok(IdsPath(a, b)),
            _ => Err(shaped(parts, Error::bad_request("id", "two record ids expected in the path"))),
        }
    }
}

/// A region code from the path (`/regions/{code}`), parsed; else a 400 naming `code`.
#[derive(Debug, Clone)]
pub struct CodePath(pub RegionCode);

impl<S: Send + Sync> FromRequestParts<S> for CodePath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| shaped(parts, Error::bad_request("code", e.body_text())))?;
        RegionCode::parse(&raw.0).map(CodePath).map_err(|m| shaped(parts, Error::bad_request("code", m)))
    }
}

/// The query string of a listing: `q`, `region`, `parent`, `page`, `per_page`, `sort`, `dir`
/// and the listing's filters. Bad values are a 400 naming the parameter; under `/api` unknown
/// parameters are too (a typo would otherwise silently widen a search), once the handler
/// says which it knows ([`ListParams::query_for`], [`ListParams::only`]).
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: Option<String>,
    pub region: Option<RegionCode>,
    pub parent: Option<RegionCode>,
    pub page: PageRequest,
    /// `sort` as given, and whether `dir` is `desc`.
    pub sort: Option<String>,
    pub descending: bool,
    /// Other parameters: filters (`kind`), and what pages read (`program`, `lang`).
    pub other: HashMap<String, String>,
    /// Whether the request is to the JSON API.
    pub api: bool,
}

/// The longest search text accepted.
pub const MAX_QUERY_CHARS: usize = 200;

impl ListParams {
    pub fn query(&self) -> berdaya_store::Query {
        berdaya_store::Query {
            text: self.q.clone(),
            region: self.region.clone(),
            page: self.page,
            within: None,
            ..Default::default()
        }
    }

    /// The search text, or empty.
    pub fn q_str(&self) -> &str {
        self.q.as_deref().unwrap_or("")
    }

    /// The order asked for, if any.
    pub fn sort(&self) -> Option<berdaya_store::Sort> {
        self.sort.clone().map(|key| berdaya_store::Sort { key, descending: self.descending })
    }

    /// The query of a listing sorted by one of `sorts` and filtered by `filters`: an unknown
    /// sort key is a 400 naming `sort`; under `/api` any other unknown parameter is a 400
    /// naming it (pages ignore them: `lang`, …).
    pub fn query_for(&self, sorts: &[&str], filters: &[&str]) -> Result<berdaya_store::Query, Error> {
        if let Some(key) = &self.sort
            && !sorts.contains(&key.as_str())
        {
            let message = format!("`{}` is not a sort key here (use {})", short(key), sorts.join(", "));
            return Err(Error::bad_request("sort", message));
        }
        self.only(filters)?;
        let mut query = self.query();
        query.sort = self.sort();
        let mut set: Vec<(String, String)> = filters
            .iter()
            .filter_map(|k| self.other.get(*k).map(|v| (k.to_string(), v.trim().to_string())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        set.sort();
        query.filters = set;
        Ok(query)
    }

    /// Under `/api`, a 400 naming the first parameter that is neither a listing's own nor one
    /// of `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), Error> {
        if !self.api {
            return Ok(());
        }
        let mut unknown: Vec<&String> = self.other.keys().filter(|k| !known.contains(&k.as_str())).collect();
        unknown.sort();
        match unknown.first() {
            None => Ok(()),
            Some(key) => {
                let mut all = vec!["q", "region", "parent", "page", "per_page", "sort", "dir"];
                all.extend_from_slice(known);
                Err(Error::bad_request(key, format!("is not a known parameter (use {})", all.join(", "))))
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let api = is_api(parts.uri.path());
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|e| shaped(parts, Error::bad_request("query", e.body_text())))?
            .0;
        let mut out = ListParams::default();
        let (mut page, mut per_page) = (1u32, 25u32);
        for (key, value) in pairs {
            let bad = |m: String| shaped(parts, Error::bad_request(&key, m));
            match key.as_str() {
                "q" => {
                    let v = value.trim();
                    if v.chars().count() > MAX_QUERY_CHARS {
                        return Err(bad(format!("is longer than {MAX_QUERY_CHARS} characters")));
                    }
                    out.q = (!v.is_empty()).then(|| v.to_string());
                }
                "region" | "parent" => {
                    let code =
                        if value.trim().is_empty() { None } else { Some(RegionCode::parse(&value).map_err(&bad)?) };
                    if key == "region" {
                        out.region = code;
                    } else {
                        out.parent = code;
                    }
                }
                "page" => match value.trim().parse::<u32>() {
                    Ok(n) if n >= 1 => page = n,
                    _ => return Err(bad(format!("`{}` is not a page number (a whole number from 1)", short(&value)))),
                },
                "per_page" => match value.trim().parse::<u32>() {
                    Ok(n) if (1..=PageRequest::MAX_PER_PAGE).contains(&n) => per_page = n,
                    _ => {
                        return Err(bad(format!(
                            "`{}` is not a page size (a whole number from 1 to {})",
                            short(&value),
                            PageRequest::MAX_PER_PAGE
                        )));
                    }
                },
                "sort" => out.sort = Some(value.trim().to_string()).filter(|v| !v.is_empty()),
                "dir" => match value.trim() {
                    "" | "asc" => out.descending = false,
                    "desc" => out.descending = true,
                    _ => return Err(bad(format!("`{}` is not an order (use asc or desc)", short(&value)))),
                },
                _ => {
                    out.other.insert(key, value);
                }
            }
        }
        out.page = PageRequest::new(page, per_page);
        out.api = api;
        Ok(out)
    }
}

/// A JSON request body, checked for its content type and size; decode it with
/// [`JsonBody::decode`] into a draft.
#[derive(Debug, Clone)]
pub struct JsonBody(Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !json {
            return Err(Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "content-type: the body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::too_large(crate::BODY_LIMIT)
            } else {
                Error::bad_request("body", e.body_text())
            }
        })?;
        Ok(JsonBody(bytes))
    }
}

impl JsonBody {
    /// Deserializes the body; a syntax error is a 400, a wrong type or a missing field a 422
    /// naming the field.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        axum::Json::<T>::from_bytes(&self.0).map(|j| j.0).map_err(json_error)
    }

    /// The body with `key` set to `value` (the path's region code, which names the record).
    /// A body that is not a JSON object is left as it is, for [`JsonBody::decode`] to refuse.
    pub fn with(&self, key: &str, value: &str) -> Result<JsonBody, Error> {
        let mut doc: serde_json::Value = self.decode()?;
        if let Some(map) = doc.as_object_mut() {
            map.insert(key.to_string(), serde_json::Value::String(value.to_string()));
        }
        serde_json::to_vec(&doc)
            .map(|v| JsonBody(Bytes::from(v)))
            .map_err(|e| Error::bad_request("body", e.to_string()))
    }

    /// Deserializes the body into a draft whose fields are text; the fields `numbers` names
    /// (record ids) may also be given as JSON numbers.
    pub fn draft<T: DeserializeOwned>(&self, numbers: &[&str]) -> Result<T, Error> {
        if numbers.is_empty() {
            return self.decode();
        }
        let mut doc: serde_json::Value = self.decode()?;
        if let Some(map) = doc.as_object_mut() {
            for key in numbers {
                if let Some(v) = map.get_mut(*key)
                    && let Some(n) = v.as_number().filter(|n| n.is_i64() || n.is_u64())
                {
                    *v = serde_json::Value::String(n.to_string());
                }
            }
        }
        // Decoded from bytes again, so a wrong type is still named by its field.
        let bytes = serde_json::to_vec(&doc).map_err(|e| Error::bad_request("body", e.to_string()))?;
        JsonBody(Bytes::from(bytes)).decode()
    }

    /// The `version` the client read, which an update must carry.
    pub fn version(&self) -> Result<Version, Error> {
        #[derive(serde::Deserialize)]
        struct Versioned {
            version: Version,
        }
        self.decode::<Versioned>().map(|v| v.version)
    }
}

fn json_error(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            // axum words it "Failed to deserialize …: PATH: MESSAGE".
            let text = e.body_text();
            let detail = text.split_once("target type: ").map(|(_, d)| d).unwrap_or(&text);
            let (path, message) = match detail.split_once(": ") {
                Some((p, m)) if !p.contains(' ') => (p.trim_start_matches('.').to_string(), m.to_string()),
                _ => (String::new(), detail.to_string()),
            };
            let field = if path.is_empty() {
                message
                    .split_once("missing field `")
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map(|(f, _)| f.to_string())
                    .unwrap_or_else(|| "body".to_string())
            } else {
                path
            };
            Error::unprocessable(&field, message)
        }
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = text.split_once("JSON: ").map(|(_, d)| d.to_string()).unwrap_or(text);
            Error::bad_request("body", format!("is not valid JSON: {detail}"))
        }
        other => Error::bad_request("body", other.body_text()),
    }
}

/// A submitted HTML form (`application/x-www-form-urlencoded`), as field → value.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub HashMap<String, String>);

impl FormData {
    /// The value of a field, or empty.
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    /// The value, or `None` when blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// A checkbox: present and not `false`/`0`.
    pub fn checked(&self, name: &str) -> bool {
        self.0.get(name).is_some_and(|v| !matches!(v.as_str(), "" | "false" | "0" | "off"))
    }

    /// The hidden `version` of an edit form.
    pub fn version(&self) -> Option<Version> {
        self.0.get("version").and_then(|v| v.trim().parse().ok())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
        let api = is_api(req.uri().path());
        let shape = |e: Error| if api { e } else { e.page(lang) };
        match axum::Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(form) => Ok(FormData(form.0.into_iter().collect())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(shape(Error::too_large(crate::BODY_LIMIT))),
            Err(e) if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE => Err(shape(Error::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "content-type: the form must be sent as application/x-www-form-urlencoded",
            ))),
            Err(e) => Err(shape(Error::bad_request("body", e.body_text()))),
        }
    }
}

fn short(s: &str) -> String {
    berdaya_domain::registry::text::shorten(s)
}

/// The largest file a form upload may carry (an education form, a bank's results, a rules
/// document), in MB.
pub const UPLOAD_LIMIT_MB: usize = 10;
/// [`UPLOAD_LIMIT_MB`] in bytes.
pub const UPLOAD_LIMIT: usize = UPLOAD_LIMIT_MB << 20;
/// The body limit of a route taking an [`Upload`]: the file and the form around it.
pub const UPLOAD_BODY_LIMIT: usize = UPLOAD_LIMIT + (64 << 10);

/// A submitted HTML form with one file (`multipart/form-data`): the text fields, and the
/// `file` field's name and bytes, read as they arrive and refused past [`UPLOAD_LIMIT`] (a
/// 422 on `file` stating the limit). Text fields are limited to 64 KB each.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub form: FormData,
    /// The file's name as the browser gave it, and its bytes; `None` when no file was chosen.
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    /// The file's bytes, or a 422 on `file` when none was chosen.
    pub fn bytes(&self) -> Result<&[u8], Error> {
        match &self.file {
            Some((_, b)) if !b.is_empty() => Ok(b),
            _ => Err(Error::unprocessable("file", "choose a file to upload")),
        }
    }
}

impl Upload {
    /// Reads a multipart body as it arrives: the `file` field up to `limit_mb` MB, each text
    /// field up to 64 KB. Errors are the API's; a page shapes them with [`Error::page`].
    pub async fn read(
        multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
        limit_mb: usize,
    ) -> Result<Upload, Error> {
        let too_large = || Error::unprocessable("file", format!("is larger than {limit_mb} MB"));
        let mut mp = multipart.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                Error::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "content-type: the upload must be sent as multipart/form-data",
                )
            }
        })?;
        let broken = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                Error::bad_request("body", format!("is not a readable multipart form: {}", e.body_text()))
            }
        };
        let mut out = Upload::default();
        while let Some(mut field) = mp.next_field().await.map_err(broken)? {
            let name = field.name().unwrap_or_default().to_string();
            let is_file = name == "file";
            let limit = if is_file { limit_mb << 20 } else { 64 << 10 };
            let file_name = field.file_name().unwrap_or("berkas").to_string();
            let mut bytes: Vec<u8> = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(if is_file {
                        too_large()
                    } else {
                        Error::unprocessable(&name, "is longer than 64 KB")
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            if is_file {
                if !bytes.is_empty() {
                    out.file = Some((file_name, bytes));
                }
            } else {
                let text = String::from_utf8(bytes).map_err(|_| Error::bad_request(&name, "is not text in UTF-8"))?;
                out.form.0.insert(name, text);
            }
        }
        Ok(out)
    }
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
        let api = is_api(req.uri().path());
        let multipart = axum::extract::Multipart::from_request(req, state).await;
        Upload::read(multipart, UPLOAD_LIMIT_MB).await.map_err(|e| if api { e } else { e.page(lang) })
    }
}
