//! Conformance checks of [`FrameworkStore`](crate::framework::FrameworkStore): the shipped
//! frameworks, adding frameworks and dimensions, their unique codes and version conflicts.

use berdaya_domain::framework::{DimensionDraft, FrameworkDraft};

use super::*;

fn framework(code: &str, name: &str) -> berdaya_domain::framework::NewFramework {
    FrameworkDraft { code: code.into(), name: name.into(), description: None }.parse().expect("framework draft")
}

fn dimension(code: &str, name: &str) -> berdaya_domain::framework::NewDimension {
    DimensionDraft { code: code.into(), name: name.into(), description: None }.parse().expect("dimension draft")
}

/// The migrations ship the four bina, 7D and the participation stages of seed 004, in order.
pub async fn frameworks_shipped(s: Arc<dyn Store>) {
    let s = &*s;
    let all = s.frameworks().await.expect("frameworks");
    let codes: Vec<&str> = all.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["bina", "7d", "partisipasi"]);
    let bina = s.framework_by_code("BINA").await.expect("by code").expect("bina shipped");
    let dims: Vec<(&str, i64)> = bina.dimensions.iter().map(|d| (d.code.as_str(), d.position)).collect();
    assert_eq!(dims, [("manusia", 1), ("usaha", 2), ("lingkungan", 3), ("kelembagaan", 4)]);
    assert_eq!(bina.dimensions[0].name, "Bina Manusia");
    let seven = s.framework(all[1].id).await.expect("7d");
    assert_eq!(seven.dimensions.len(), 7);
    assert_eq!(seven.dimensions[6].code.as_str(), "documenting");
    assert_eq!(s.framework_by_code("nothing").await.expect("by code"), None);
    assert_err!(s.framework(999_999).await, StoreError::NotFound { entity: "framework" });
}

/// Frameworks and dimensions are added as data: codes unique (per framework for dimensions),
/// dimensions appended in order, updates versioned, unknown dimension ids named.
pub async fn frameworks_added_as_data(s: Arc<dyn Store>) {
    let s = &*s;
    let f = s.create_framework(&framework("chambers", "Komponen Chambers")).await.expect("create");
    assert_eq!(f.version, 1);
    assert!(f.dimensions.is_empty());
    assert_err!(s.create_framework(&framework("chambers", "Lagi")).await, StoreError::Duplicate { field: "code", .. });
    let a = s.add_dimension(f.id, &dimension("akses", "Akses")).await.expect("dimension");
    let b = s.add_dimension(f.id, &dimension("kontrol", "Kontrol")).await.expect("dimension");
    assert_eq!((a.position, b.position), (1, 2));
    assert_err!(
        s.add_dimension(f.id, &dimension("akses", "Akses lagi")).await,
        StoreError::Duplicate { field: "code", .. }
    );
    // The same code in another framework is fine.
    let bina = s.framework_by_code("bina").await.expect("bina").expect("bina");
    s.add_dimension(bina.id, &dimension("akses", "Akses pasar")).await.expect("same code elsewhere");
    assert_err!(s.add_dimension(999_999, &dimension("x", "X")).await, StoreError::NotFound { entity: "framework" });

    let read = s.framework(f.id).await.expect("read");
    assert_eq!(read.dimensions.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["Akses", "Kontrol"]);

    let renamed = s.update_framework(f.id, &framework("chambers", "Chambers (1983)"), 1).await.expect("update");
    assert_eq!((renamed.version, renamed.name.as_str(), renamed.dimensions.len()), (2, "Chambers (1983)", 2));
    assert_err!(
        s.update_framework(f.id, &framework("chambers", "Stale"), 1).await,
        StoreError::Conflict { entity: "framework", expected: 1, actual: 2 }
    );

    let found = s.dimensions("dimension_ids", &[b.id, a.id]).await.expect("dimensions");
    assert_eq!(found.iter().map(|d| d.id).collect::<Vec<_>>(), [a.id, b.id]);
    assert!(s.dimensions("dimension_ids", &[]).await.expect("none").is_empty());
    match s.dimensions("dimension_ids", &[a.id, 999_999]).await {
        Err(StoreError::Invalid(inv)) => {
            assert_eq!(inv.0[0].field, "dimension_ids");
            assert!(inv.0[0].message.contains("999999"), "{}", inv.0[0].message);
        }
        other => panic!("expected Invalid naming dimension_ids, got {other:?}"),
    }
}
