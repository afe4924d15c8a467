//! The OpenAPI entries of a kit resource, built from its declaration: generic handlers cannot
//! carry `#[utoipa::path]`, so the four operations (list, create, show, update) are written
//! here once with utoipa's builders.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type};

use super::{ApiDoc, Key, KeyOf, Resource};

/// The list, create, show and update operations of `R`.
pub fn paths<R: Resource>() -> Paths {
    let d = &R::DOC;
    let name = R::NAME;
    let key = <KeyOf<R> as Key>::PARAM;
    let mut paths = Paths::new();
    let mut list = base::<R>(d.list).response("200", json("A page of the listing", page_of(d.row)));
    for p in list_params::<R>() {
        list = list.parameter(p);
    }
    let list = errors(list, &["400", "401", "403"]);
    paths.add_path_operation(format!("/api/v1/{name}"), vec![HttpMethod::Get], list.build());
    let create =
        base::<R>(d.create).request_body(Some(body(&d.schema("Input")))).response("201", json("Created", dto(d)));
    let create = errors(create, &["401", "403", "409", "422"]);
    paths.add_path_operation(format!("/api/v1/{name}"), vec![HttpMethod::Post], create.build());
    let one = format!("/api/v1/{name}/{{{key}}}");
    let show = base::<R>(&d.show()).parameter(key_param::<R>()).response("200", json("The record", dto(d)));
    let show = errors(show, &["400", "401", "403", "404"]);
    paths.add_path_operation(&one, vec![HttpMethod::Get], show.build());
    let update = base::<R>(&d.change())
        .parameter(key_param::<R>())
        .request_body(Some(body(&d.schema("Update"))))
        .response("200", json("The changed record", dto(d)));
    let update = errors(update, &["400", "401", "403", "404", "409", "422"]);
    paths.add_path_operation(&one, vec![HttpMethod::Put], update.build());
    paths
}

fn base<R: Resource>(summary: &str) -> OperationBuilder {
    OperationBuilder::new().tag(R::NAME).summary(Some(summary))
}

fn dto(d: &ApiDoc) -> RefOr<Schema> {
    reference(&d.schema("Dto"))
}

fn errors(mut op: OperationBuilder, statuses: &[&str]) -> OperationBuilder {
    for s in statuses {
        op = op.response(*s, json("Refused: see `error`", reference("ErrorBody")));
    }
    op
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn json(description: &str, schema: RefOr<Schema>) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(schema)).build())
        .build()
}

fn body(schema: &str) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content("application/json", ContentBuilder::new().schema(Some(reference(schema))).build())
        .build()
}

/// `PageDto` of `row`: the items and the paging figures.
fn page_of(row: &str) -> RefOr<Schema> {
    let int = || ObjectBuilder::new().schema_type(Type::Integer);
    ObjectBuilder::new()
        .property("items", utoipa::openapi::ArrayBuilder::new().items(reference(row)))
        .property("page", int().description(Some("Pages count from 1.")))
        .property("per_page", int())
        .property("total", int().description(Some("Matching records, counted up to 10,000.")))
        .property("total_capped", ObjectBuilder::new().schema_type(Type::Boolean))
        .property("pages", int())
        .required("items")
        .required("page")
        .required("per_page")
        .required("total")
        .required("total_capped")
        .required("pages")
        .into()
}

fn key_param<R: Resource>() -> utoipa::openapi::path::Parameter {
    let key = <KeyOf<R> as Key>::PARAM;
    let ty = if key == "id" { Type::Integer } else { Type::String };
    ParameterBuilder::new()
        .name(key)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(format!("{} {key}", R::DOC.stem)))
        .schema(Some(ObjectBuilder::new().schema_type(ty)))
        .build()
}

fn query(name: &str, ty: Type, description: String) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(ty)))
        .build()
}

/// `q`, `region`, `page`, `per_page`, `sort`, `dir` and the resource's filters.
fn list_params<R: Resource>() -> Vec<utoipa::openapi::path::Parameter> {
    let sorts: Vec<&str> = R::COLUMNS.iter().filter_map(|c| c.sort).collect();
    let mut params = vec![
        query("q", Type::String, "Free text; what it matches depends on the listing.".into()),
        query("region", Type::String, "Only records in this region or below it (a region code).".into()),
        query("page", Type::Integer, "Page number, from 1.".into()),
        query("per_page", Type::Integer, "Records per page, 1 to 200 (default 25).".into()),
        query("sort", Type::String, format!("Order by one of: {}.", sorts.join(", "))),
        query("dir", Type::String, "`asc` (default) or `desc`.".into()),
    ];
    for f in R::FILTERS {
        params.push(query(f.key, Type::String, format!("Only records whose `{}` is this value.", f.key)));
    }
    params
}
