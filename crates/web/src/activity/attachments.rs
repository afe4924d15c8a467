//! Files attached to a record: uploaded as a multipart stream, counted against the limit
//! (10 MB) as it arrives, the type found from the first bytes (JPEG, PNG, WebP, PDF, and
//! DOCX/XLSX by their zip signature, never opened); downloaded with `Content-Disposition`;
//! deleted. Generic over the record kind (`entity`): an activity's photos and documents here,
//! a finding's evidence later; each kind says who may read and change its files
//! ([`Owner`]).

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use berdaya_domain::activity::{ATTACHMENT_LIMIT, ATTACHMENT_LIMIT_MB, Attachment, NewAttachment};
use berdaya_domain::registry::Id;
use serde::Serialize;
use utoipa::ToSchema;

use super::{readable_activity, writable_activity};
use crate::AppState;
use crate::access::guard::{Auth, hidden};
use crate::error::{Error, ErrorBody};
use crate::extract::{Cx, IdPath, Upload};
use crate::html::{Cell, Layout, Link, Section, Table, render, render_with};
use crate::i18n::Lang;
use crate::registry::crumbs;

/// What the body of an upload may hold beyond the file (the CSRF token, the boundaries).
const ENVELOPE: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/activities/{id}/attachments",
            get(list).post(upload_api).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE)),
        )
        .route(
            "/activities/{id}/attachments",
            get(upload_page).post(upload_form).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE)),
        )
        .route(
            "/api/v1/pkh/grievances/{id}/evidence",
            get(list_evidence).post(upload_evidence_api).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE)),
        )
        .route(
            "/pkh/grievances/{id}/evidence",
            get(evidence_page).post(evidence_form).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + ENVELOPE)),
        )
        .route("/api/v1/attachments/{id}", get(download).delete(delete_api))
        .route("/attachments/{id}", get(download_page))
        .route("/attachments/{id}/delete", post(delete_form))
}

/// Who may read and change the files of a record kind: the record's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Activity(Id),
    /// A PKH grievance's evidence (read with the grievance, changed by the program's managers).
    Grievance(Id),
    /// A spending entry's receipt (read with its work, changed by those who keep the grant).
    Spending(Id),
    /// A progress report's photo (as a spending entry's receipt).
    Progress(Id),
    /// A group book entry's receipt (read and changed with the book).
    BookEntry(Id),
}

impl Owner {
    fn of(a: &Attachment) -> Option<Owner> {
        match a.entity.as_str() {
            "activity" => Some(Owner::Activity(a.entity_id)),
            "pkh_grievance" => Some(Owner::Grievance(a.entity_id)),
            "work_spending" => Some(Owner::Spending(a.entity_id)),
            "work_progress" => Some(Owner::Progress(a.entity_id)),
            "book_entry" => Some(Owner::BookEntry(a.entity_id)),
            _ => None,
        }
    }

    /// The record kind stored with the file.
    fn entity(self) -> &'static str {
        match self {
            Owner::Activity(_) => "activity",
            Owner::Grievance(_) => "pkh_grievance",
            Owner::Spending(_) => "work_spending",
            Owner::Progress(_) => "work_progress",
            Owner::BookEntry(_) => "book_entry",
        }
    }

    fn id(self) -> Id {
        match self {
            Owner::Activity(id)
            | Owner::Grievance(id)
            | Owner::Spending(id)
            | Owner::Progress(id)
            | Owner::BookEntry(id) => id,
        }
    }

    async fn readable(self, state: &AppState, auth: &Auth) -> Result<(), Error> {
        match self {
            Owner::Activity(id) => readable_activity(state, auth, id).await.map(|_| ()),
            Owner::Grievance(id) => crate::pkh::grievances::readable(state, auth, id).await.map(|_| ()),
            Owner::Spending(id) => {
                let work = crate::kotaku::grants::spending_work(state, id).await?;
                crate::kotaku::grants::readable_work(state, auth, work).await.map(|_| ())
            }
            Owner::Progress(id) => {
                let work = crate::kotaku::grants::progress_work(state, id).await?;
                crate::kotaku::grants::readable_work(state, auth, work).await.map(|_| ())
            }
            Owner::BookEntry(id) => crate::kotaku::books::readable_entry(state, auth, id).await.map(|_| ()),
        }
    }

    async fn writable(self, state: &AppState, auth: &Auth) -> Result<(), Error> {
        match self {
            Owner::Activity(id) => writable_activity(state, auth, id).await.map(|_| ()),
            Owner::Grievance(id) => crate::pkh::grievances::writable(state, auth, id).await.map(|_| ()),
            Owner::Spending(id) => {
                let work = crate::kotaku::grants::spending_work(state, id).await?;
                crate::kotaku::grants::writable_work(state, auth, work).await.map(|_| ())
            }
            Owner::Progress(id) => {
                let work = crate::kotaku::grants::progress_work(state, id).await?;
                crate::kotaku::grants::writable_work(state, auth, work).await.map(|_| ())
            }
            Owner::BookEntry(id) => crate::kotaku::books::writable_entry(state, auth, id).await.map(|_| ()),
        }
    }

    /// The record's page, at its files.
    fn href(self) -> String {
        match self {
            Owner::Activity(id) => format!("/activities/{id}#attachments"),
            Owner::Grievance(id) => format!("/pkh/grievances/{id}#attachments"),
            Owner::Spending(id) => format!("/spending/{id}"),
            Owner::Progress(id) => format!("/progress/{id}"),
            Owner::BookEntry(id) => format!("/book-entries/{id}"),
        }
    }

    /// The upload page.
    fn upload_href(self) -> String {
        match self {
            Owner::Activity(id) => format!("/activities/{id}/attachments"),
            Owner::Grievance(id) => format!("/pkh/grievances/{id}/evidence"),
            Owner::Spending(id) => format!("/spending/{id}/receipts"),
            Owner::Progress(id) => format!("/progress/{id}/photos"),
            Owner::BookEntry(id) => format!("/book-entries/{id}/receipts"),
        }
    }

    /// The record's title and the breadcrumbs up to it, for the upload page.
    async fn crumbs(self, state: &AppState, auth: &Auth, lang: Lang) -> Result<(String, Vec<Link>), Error> {
        match self {
            Owner::Activity(id) => {
                let r = writable_activity(state, auth, id).await?;
                let mut c = crumbs(lang, "nav.activities", "/activities");
                c.push(Link::new(r.activity.title.clone(), format!("/activities/{id}")));
                Ok((r.activity.title, c))
            }
            Owner::Grievance(id) => crate::pkh::grievances::evidence_crumbs(state, auth, lang, id).await,
            Owner::Spending(_) | Owner::Progress(_) | Owner::BookEntry(_) => {
                Ok((lang.tr().t("attachments.title").to_string(), crumbs(lang, "nav.programs", "/programs")))
            }
        }
    }
}

/// An attachment the principal may read (through its record); anything else reads as missing.
async fn readable(state: &AppState, auth: &Auth, id: Id) -> Result<(Attachment, Owner), Error> {
    let a = state.store().attachment(id).await?;
    let owner = Owner::of(&a).ok_or_else(|| hidden("attachment"))?;
    owner
        .readable(state, auth)
        .await
        .map_err(|e| if e.status() == StatusCode::NOT_FOUND { hidden("attachment") } else { e })?;
    Ok((a, owner))
}

/// A file attached to a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    /// The record kind (`activity`).
    pub entity: String,
    pub entity_id: i64,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_at: String,
    /// Where to download it.
    pub href: String,
}

impl From<Attachment> for AttachmentDto {
    fn from(a: Attachment) -> Self {
        AttachmentDto {
            href: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            entity: a.entity,
            entity_id: a.entity_id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            uploaded_at: a.uploaded_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        }
    }
}

/// The upload form (the description of the body for OpenAPI).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    /// The file: JPEG, PNG, WebP, PDF, DOCX or XLSX, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads the `file` part of a multipart body, at most [`ATTACHMENT_LIMIT_MB`] MB (a 422 on
/// `file` stating the limit past it), and checks it.
async fn receive(
    multipart: Result<Multipart, MultipartRejection>,
    entity: &str,
    id: Id,
) -> Result<NewAttachment, Error> {
    match Upload::read(multipart, ATTACHMENT_LIMIT_MB).await?.file {
        Some((name, bytes)) => {
            NewAttachment::parse(entity, id, &name, bytes).map_err(|m| Error::unprocessable("file", m))
        }
        None => Err(Error::unprocessable("file", "is required")),
    }
}

/// The files attached to an activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}/attachments", tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, body = Vec<AttachmentDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AttachmentDto>>, Error> {
    readable_activity(&state, &auth, id).await?;
    Ok(Json(state.store().attachments("activity", id).await?.into_iter().map(Into::into).collect()))
}

/// A PKH grievance's evidence files.
#[utoipa::path(get, path = "/api/v1/pkh/grievances/{id}/evidence", tag = "pkh",
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = Vec<AttachmentDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_evidence(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AttachmentDto>>, Error> {
    let owner = Owner::Grievance(id);
    owner.readable(&state, &auth).await?;
    Ok(Json(state.store().attachments(owner.entity(), id).await?.into_iter().map(Into::into).collect()))
}

/// Attaches evidence to a PKH grievance (multipart/form-data, field `file`; the program's
/// managers): JPEG, PNG, WebP, PDF, DOCX or XLSX by its first bytes, at most 10 MB.
#[utoipa::path(post, path = "/api/v1/pkh/grievances/{id}/evidence", tag = "pkh",
    params(("id" = i64, Path, description = "Grievance id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_evidence_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    let owner = Owner::Grievance(id);
    owner.writable(&state, &auth).await?;
    let file = receive(multipart, owner.entity(), id).await?;
    let a = state.store().add_attachment(&file).await?;
    Ok(crate::registry::created(AttachmentDto::from(a)))
}

/// Attaches a photo or a document to an activity (multipart/form-data, field `file`): JPEG,
/// PNG, WebP, PDF, DOCX or XLSX by its first bytes, at most 10 MB; anything else is a 422 on
/// `file` saying why.
#[utoipa::path(post, path = "/api/v1/activities/{id}/attachments", tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_api(
    State(state): State<AppState>,
    auth: Auth,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    writable_activity(&state, &auth, id).await?;
    let file = receive(multipart, "activity", id).await?;
    let a = state.store().add_attachment(&file).await?;
    Ok(crate::registry::created(AttachmentDto::from(a)))
}

/// Downloads an attached file, as it was uploaded.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "activities",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file, with its type and `Content-Disposition`"), (status = 404, body = ErrorBody)))]
pub async fn download(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Response, Error> {
    serve(&state, &auth, id).await
}

async fn download_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    serve(&state, &auth, id).await.map_err(|e| e.page(lang))
}

async fn serve(state: &AppState, auth: &Auth, id: Id) -> Result<Response, Error> {
    let (a, _) = readable(state, auth, id).await?;
    let bytes = state.store().attachment_bytes(id).await?;
    // The name as an ASCII fallback and in full (RFC 6266).
    let ascii: String =
        a.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded = crate::html::enc(&a.file_name);
    let inline = berdaya_domain::activity::FileKind::is_image(&a.content_type) || a.content_type == "application/pdf";
    let disposition =
        format!("{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    Ok((
        [(CONTENT_TYPE, a.content_type), (CONTENT_DISPOSITION, disposition), (CACHE_CONTROL, "no-store".into())],
        bytes,
    )
        .into_response())
}

async fn remove(state: &AppState, auth: &Auth, id: Id) -> Result<Owner, Error> {
    let (_, owner) = readable(state, auth, id).await?;
    owner.writable(state, auth).await?;
    state.store().delete_attachment(id).await?;
    Ok(owner)
}

/// Deletes an attached file.
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "activities",
    params(("id" = i64, Path, description = "Attachment id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_api(State(state): State<AppState>, auth: Auth, IdPath(id): IdPath) -> Result<Response, Error> {
    remove(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_form(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    let owner = remove(&state, &auth, id).await.map_err(|e| e.page(lang))?;
    Ok(Redirect::to(&owner.href()).into_response())
}

/// The attachments section of an activity's page.
pub async fn section(state: &AppState, _auth: &Auth, lang: Lang, id: Id, writable: bool) -> Result<Section, Error> {
    section_of(state, lang, Owner::Activity(id), writable).await
}

/// The files section of a record's page; `writable` adds the upload link and delete buttons.
pub async fn section_of(state: &AppState, lang: Lang, owner: Owner, writable: bool) -> Result<Section, Error> {
    let t = lang.tr();
    let files = state.store().attachments(owner.entity(), owner.id()).await?;
    let mut headers =
        vec![t.t("attachments.file").to_string(), t.t("attachments.type").into(), t.t("attachments.size").into()];
    if writable {
        headers.push(t.t("common.actions").into());
    }
    let rows = files
        .into_iter()
        .map(|f| {
            let mut row = vec![
                Cell::link(f.file_name.clone(), format!("/attachments/{}", f.id)),
                Cell::text(f.content_type.clone()),
                Cell::text(size_text(f.size)),
            ];
            if writable {
                row.push(Cell::button(t.t("attachments.delete"), format!("/attachments/{}/delete", f.id)));
            }
            row
        })
        .collect();
    let links = if writable { vec![Link::new(t.t("attachments.upload"), owner.upload_href())] } else { Vec::new() };
    Ok(Section {
        id: "attachments".into(),
        title: t.t("attachments.title").into(),
        table: Some(Table { headers, sorts: Vec::new(), rows, empty: t.t("attachments.none").into() }),
        links,
        ..Default::default()
    })
}

/// `1.234 KB`-style sizes, Indonesian grouping.
fn size_text(bytes: i64) -> String {
    let kb = (bytes + 1023) / 1024;
    let digits = kb.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} KB")
}

/// The upload page.
#[derive(Template)]
#[template(path = "activity/upload.html")]
pub struct UploadPage {
    pub l: Layout,
    pub heading: String,
    pub breadcrumbs: Vec<Link>,
    pub action: String,
    pub label: String,
    pub hint: String,
    pub submit: String,
    pub error: Option<String>,
}

fn upload_page_of(lang: Lang, owner: Owner, title: &str, crumbs: Vec<Link>, error: Option<String>) -> UploadPage {
    let t = lang.tr();
    let heading = format!("{} — {title}", t.t("attachments.upload"));
    UploadPage {
        l: Layout::new(
            lang,
            heading.clone(),
            if matches!(owner, Owner::Activity(_)) { "activities" } else { "programs" },
        ),
        heading,
        breadcrumbs: crumbs,
        action: owner.upload_href(),
        label: t.t("attachments.file").into(),
        hint: t.t("attachments.hint").into(),
        submit: t.t("attachments.upload").into(),
        error,
    }
}

async fn upload_page_for(state: &AppState, auth: &Auth, lang: Lang, owner: Owner) -> Result<Response, Error> {
    owner.writable(state, auth).await.map_err(|e| e.page(lang))?;
    let (title, crumbs) = owner.crumbs(state, auth, lang).await.map_err(|e| e.page(lang))?;
    Ok(render(&upload_page_of(lang, owner, &title, crumbs, None)))
}

async fn upload_form_for(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    owner: Owner,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    owner.writable(state, auth).await.map_err(|e| e.page(lang))?;
    let result = async {
        let file = receive(multipart, owner.entity(), owner.id()).await?;
        Ok::<_, Error>(state.store().add_attachment(&file).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&owner.href()).into_response()),
        Err(e) if e.status().is_server_error() => Ok(e.page(lang).into_response()),
        Err(e) => {
            let message = match e.fields().first() {
                Some(f) => crate::messages::field_line(lang, &f.field, &f.message),
                None => e.text(lang),
            };
            let (title, crumbs) = owner.crumbs(state, auth, lang).await.map_err(|e| e.page(lang))?;
            Ok(render_with(e.status(), &upload_page_of(lang, owner, &title, crumbs, Some(message))))
        }
    }
}

async fn upload_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    upload_page_for(&state, &auth, lang, Owner::Activity(id)).await
}

async fn upload_form(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    upload_form_for(&state, &auth, lang, Owner::Activity(id), multipart).await
}

async fn evidence_page(Cx { state, lang, auth }: Cx, IdPath(id): IdPath) -> Result<Response, Error> {
    upload_page_for(&state, &auth, lang, Owner::Grievance(id)).await
}

async fn evidence_form(
    Cx { state, lang, auth }: Cx,
    IdPath(id): IdPath,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, Error> {
    upload_form_for(&state, &auth, lang, Owner::Grievance(id), multipart).await
}
