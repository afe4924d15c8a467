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
    pub message: String,
    /// The fields at fault, each with the rule it broke.
    pub fields: Vec<FieldErrorDto>,
}

/// One field and the rule it broke.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorDto {
    pub field: String,
    pub message: String,
}

impl Error {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Error { status, code, message: message.into(), fields: Vec::new(), page: None, note: None }
    }

    /// A 400 naming the field (a query parameter, a path parameter, the body).
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            fields: vec![FieldError::new(field, message.clone())],
            ..Error::new(StatusCode::BAD_REQUEST, "bad_request", format!("{field}: {message}"))
        }
    }

    /// A 422 naming the field whose value has the wrong shape.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error {
            fields: vec![FieldError::new(field, message.clone())],
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
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        let message = format!("the input breaks {} rule(s): {invalid}", invalid.0.len());
        Error { fields: invalid.0, ..Error::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message) }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => Error::not_found(err.to_string()),
            StoreError::Conflict { .. } => Error::new(StatusCode::CONFLICT, "conflict", err.to_string()),
            StoreError::Duplicate { field, ref message } => Error {
                fields: vec![FieldError::new(field, message.clone())],
                ..Error::new(StatusCode::CONFLICT, "duplicate", err.to_string())
            },
            StoreError::Reference { field, ref message } => Error {
                fields: vec![FieldError::new(field, message.clone())],
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
                let message = match &self.note {
                    Some((key, values)) => values
                        .iter()
                        .fold(lang.tr().t(key).to_string(), |m, (name, v)| m.replace(&format!("{{{name}}}"), v)),
                    None => self.message,
                };
                (self.status, crate::html::error_page(lang, self.status, &message, &self.fields)).into_response()
            }
            None => {
                let body = ErrorBody {
                    error: ErrorDetail {
                        code: self.code.to_string(),
                        message: self.message,
                        fields: self
                            .fields
                            .into_iter()
                            .map(|f| FieldErrorDto { field: f.field, message: f.message })
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
