//! The one error type of the HTTP layer: it maps store and input failures to a status and a
//! clear message, as JSON under `/api` and as an HTML page elsewhere.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use berdaya_domain::registry::{FieldError, Invalid};
use berdaya_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;
use crate::messages;

/// How the English message was put together, so that it can be said again in another
/// language from its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    /// One message, translated through the catalog as a whole.
    Plain,
    /// `{field}: {message}` of the one field at fault.
    Field,
    /// `the input breaks {n} rule(s): …` listing every field at fault.
    Rules,
}

/// A failed request: status, stable code, message and the fields at fault.
#[derive(Debug)]
pub struct Error {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    /// Render as an HTML page in this language instead of JSON.
    page: Option<Lang>,
    /// The message as a translation key and its `{name}` values, for pages in the user's
    /// language (the JSON message stays `message`).
    note: Option<(&'static str, Vec<(&'static str, String)>)>,
    said: Said,
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `not_found`, `conflict`, `duplicate`, `reference`,
    /// `invalid`, `bad_request`, `unsupported_media_type`, `payload_too_large`, `internal`.
    pub code: String,
    /// The message in English, stable for programs and logs.
    pub message: String,
    /// The message for people, in the caller's language: `?lang=id|en`, else the `lang`
    /// cookie, else `Accept-Language`, else Indonesian. Fields are named by their labels.
    pub text: String,
    /// The fields at fault, each with the rule it broke.
    pub fields: Vec<FieldErrorDto>,
}

/// One field and the rule it broke.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorDto {
    /// The field's code, as in the request (`household_id`).
    pub field: String,
    /// The rule it broke, in English (stable).
    pub message: String,
    /// The field's label in the caller's language (see [`ErrorDetail::text`]).
    pub label: String,
    /// The rule it broke, in the caller's language.
    pub text: String,
}

impl Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Error { status, code, message: message.into(), fields: Vec::new(), page: None, note: None, said: Said::Plain }
    }

    /// A 400 naming the field (a query parameter, a path parameter, the body).
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            fields: vec![FieldError::new(field, message.clone())],
            said: Said::Field,
            ..Error::new(StatusCode::BAD_REQUEST, "bad_request", format!("{field}: {message}"))
        }
    }

    /// A 422 naming the field whose value has the wrong shape.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            fields: vec![FieldError::new(field, message.clone())],
            said: Said::Field,
            ..Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("{field}: {message}"))
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A 413 naming the limit (`crate::BODY_LIMIT` or `crate::UPLOAD_LIMIT`) in MiB.
    pub fn too_large(limit: usize) -> Self {
        let mib = (limit / (1024 * 1024)).to_string();
        Error {
            note: Some(("error.too_large_note", vec![("mib", mib.clone())])),
            ..Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than the limit of {mib} MiB"),
            )
        }
    }

    /// Answers with an HTML page in `lang` rather than JSON.
    pub fn page(mut self, lang: Lang) -> Self {
        self.page = Some(lang);
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// The message said in `lang`: translated through the catalog, fields named by their
    /// labels.
    pub fn text(&self, lang: Lang) -> String {
        if let Some((key, values)) = &self.note {
            return values
                .iter()
                .fold(lang.tr().t(key).to_string(), |m, (name, v)| m.replace(&format!("{{{name}}}"), v));
        }
        match (self.said, self.fields.as_slice()) {
            (Said::Field, [f]) => messages::field_line(lang, &f.field, &f.message),
            (Said::Rules, fields) => {
                let head = lang.tr().t("error.rules").replace("{n}", &fields.len().to_string());
                let lines: Vec<String> =
                    fields.iter().map(|f| messages::field_line(lang, &f.field, &f.message)).collect();
                format!("{head} {}", lines.join("; "))
            }
            _ => messages::translate(lang, &self.message),
        }
    }
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        let message = format!("the input breaks {} rule(s): {invalid}", invalid.0.len());
        Error {
            fields: invalid.0,
            said: Said::Rules,
            ..Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => Error::not_found(err.to_string()),
            StoreError::Conflict { .. } => Error::new(StatusCode::CONFLICT, "conflict", err.to_string()),
            StoreError::Duplicate { field, ref message } => Error {
                fields: vec![FieldError::new(field, message.clone())],
                said: Said::Field,
                ..Error::new(StatusCode::CONFLICT, "duplicate", err.to_string())
            },
            StoreError::Reference { field, ref message } => Error {
                fields: vec![FieldError::new(field, message.clone())],
                said: Said::Field,
                ..Error::new(StatusCode::UNPROCESSABLE_ENTITY, "reference", err.to_string())
            },
            StoreError::Invalid(invalid) => invalid.into(),
            StoreError::Unsupported(message) => Error::new(StatusCode::BAD_REQUEST, "unsupported", message),
            StoreError::Busy => Error {
                note: Some(("error.busy_note", Vec::new())),
                ..Error::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the database is busy; try again in a moment")
            },
            StoreError::Backend(cause) => {
                tracing::error!(cause = %cause, "store failure");
                Error::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error: the database failed; the cause has been logged",
                )
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(code = self.code, "request refused for now");
        } else if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), code = self.code, "request failed");
        }
        let status = self.status;
        let mut res = match self.page {
            Some(lang) => {
                let message = self.text(lang);
                (self.status, crate::html::error_page(lang, self.status, &message, &self.fields)).into_response()
            }
            None => {
                let lang = crate::i18n::answer_lang();
                let text = self.text(lang);
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: self.code.to_string(),
                        message: self.message,
                        text,
                        fields: self
                            .fields
                            .into_iter()
                            .map(|f| FieldErrorDto {
                                label: messages::label(lang, &f.field),
                                text: messages::translate(lang, &f.message),
                                field: f.field,
                                message: f.message,
                            })
                            .collect(),
                    },
                };
                (self.status, Json(body)).into_response()
            }
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("2"));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_a_503_with_retry_after_in_both_shapes() {
        for err in [Error::from(StoreError::Busy), Error::from(StoreError::Busy).page(Lang::default())] {
            let res = err.into_response();
            assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(res.headers().get(axum::http::header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("2"));
        }
    }
}
