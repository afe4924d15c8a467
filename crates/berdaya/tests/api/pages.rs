//! The HTML pages: list, search, view, create and edit in Indonesian and English; form
//! errors keep the input; stale edits are refused with a clear message.

use crate::api::fixtures::{self, KK, NIK};
use crate::backend_tests;
use crate::helpers::TestApp;

/// GETs a page: status and body.
async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.client.get(app.url(path)).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("body"))
}

/// POSTs a form: status, `Location` and body.
async fn submit(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let res = app.client.post(app.url(path)).form(form).send().await.expect("request");
    let status = res.status().as_u16();
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, location, res.text().await.expect("body"))
}

fn household_form<'a>(kk: &'a str, address: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kk", kk),
        ("address", address),
        ("region", "33.16.09.2001"),
        ("welfare_stage", "sejahtera_1"),
        ("dtks_listed", "true"),
        ("dtks_since", "2019-07-01"),
    ]
}

backend_tests! {
    async fn dashboard_in_both_languages(app: TestApp) {
        let (s, id) = page(&app, "/").await;
        assert_eq!(s, 200);
        assert!(id.contains("<html lang=\"id\">"));
        assert!(id.contains("Keluarga") && id.contains("Beranda"), "{id}");
        assert!(id.contains("English"), "the switch is in the header");
        assert!(!id.contains("DATA DEMO"), "no banner without the demo");
        app.store.set_setting("demo", "1").await.expect("setting");
        let (_, en) = page(&app, "/?lang=en").await;
        assert!(en.contains("<html lang=\"en\">"));
        assert!(en.contains("Households") && en.contains("DEMO DATA"), "{en}");
        // The choice is remembered in a cookie.
        let (_, later) = page(&app, "/households").await;
        assert!(later.contains("Households") && later.contains("Bahasa Indonesia"));
        let (_, back) = page(&app, "/households?lang=id").await;
        assert!(back.contains("Tambah keluarga"));
    }

    async fn household_pages_create_view_search_edit(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, new) = page(&app, "/households/new").await;
        assert_eq!(s, 200);
        assert!(new.contains("Nomor KK") && new.contains("name=\"kk\""));

        let (s, location, _) = submit(&app, "/households", &household_form(KK, "Jl. Melati 7, Pilang")).await;
        assert_eq!(s, 303);
        assert!(location.starts_with("/households/"), "{location}");
        let (s, view) = page(&app, &location).await;
        assert_eq!(s, 200);
        assert!(view.contains("Jl. Melati 7, Pilang") && view.contains(KK), "the record page shows the full KK");
        assert!(view.contains("Sejahtera I") && view.contains("Pilang"));
        let (_, view_en) = page(&app, &format!("{location}?lang=en")).await;
        assert!(view_en.contains("Prosperous I") && view_en.contains("Welfare stage"));

        let (s, list) = page(&app, "/households?q=melati&lang=id").await;
        assert_eq!(s, 200);
        assert!(list.contains("3316••••••••0034"), "listings mask the KK");
        assert!(!list.contains(KK));
        let (_, none) = page(&app, "/households?q=mawar").await;
        assert!(none.contains("Tidak ada keluarga yang cocok"));
        let (_, list_en) = page(&app, "/households?lang=en").await;
        assert!(list_en.contains("Page 1 of 1"));

        let (s, edit) = page(&app, &format!("{location}/edit")).await;
        assert_eq!(s, 200);
        assert!(edit.contains("name=\"version\" value=\"1\""));
        let mut form = household_form(KK, "Jl. Melati 8, Pilang");
        form.push(("version", "1"));
        let (s, back, _) = submit(&app, &format!("{location}/edit"), &form).await;
        assert_eq!(s, 303);
        assert_eq!(back, location);
        // The same version again is stale.
        let mut stale = household_form(KK, "Jl. Kenanga 1");
        stale.push(("version", "1"));
        let (s, _, body) = submit(&app, &format!("{location}/edit?lang=id"), &stale).await;
        assert_eq!(s, 409);
        assert!(body.contains("diubah oleh orang lain"), "{body}");
        assert!(body.contains("Jl. Kenanga 1"), "the user's input is kept");
        let (s, _, body) = submit(&app, &format!("{location}/edit?lang=en"), &stale).await;
        assert_eq!(s, 409);
        assert!(body.contains("changed by someone else"));
        let (_, view) = page(&app, &location).await;
        assert!(view.contains("Jl. Melati 8, Pilang"));
    }

    async fn form_errors_keep_input(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, _, body) = submit(&app, "/households", &household_form("3316 12", "Jl. Anggrek <b>9</b>")).await;
        assert_eq!(s, 422);
        assert!(body.contains("harus tepat 16 angka"), "the error is next to the field, in the page's language");
        assert!(body.contains("household-kk-error"));
        assert!(body.contains("value=\"3316 12\""), "the KK typed is kept");
        assert!(body.contains("Jl. Anggrek &#60;b&#62;9&#60;/b&#62;") || body.contains("Jl. Anggrek &lt;b&gt;9&lt;/b&gt;"), "kept and escaped");
        assert!(body.contains("Periksa kembali"));

        let mut unknown = household_form(KK, "Jl. Anggrek 9");
        unknown[2] = ("region", "33.16.09.2999");
        let (s, _, body) = submit(&app, "/households", &unknown).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("household-region-error"));

        let person = [("nik", "3316093203850012"), ("name", "Siti"), ("sex", "female"), ("birth_date", "1985-03-12"), ("relation", "head")];
        let (s, _, body) = submit(&app, "/people?lang=en", &person).await;
        assert_eq!(s, 422);
        assert!(body.contains("person-nik-error") && body.contains("a day must be 01–31"));
        assert!(body.contains("value=\"Siti\""));
        assert_eq!(app.store.registry_counts().await.expect("counts").households, 0);
        assert_eq!(app.store.registry_counts().await.expect("counts").people, 0);
    }

    async fn region_tree_and_search(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (s, top) = page(&app, "/regions").await;
        assert_eq!(s, 200);
        assert!(top.contains("Jawa Tengah") && top.contains("Provinsi"));
        let (s, district) = page(&app, "/regions/33.16.09").await;
        assert_eq!(s, 200);
        assert!(district.contains("class=\"breadcrumbs\""));
        assert!(district.contains("href=\"/regions/33.16\">Blora</a>"), "breadcrumbs climb the tree");
        assert!(district.contains("Pilang"), "children are listed");
        let (_, found) = page(&app, "/regions?q=randu&lang=en").await;
        assert!(found.contains("Randublatung") && found.contains("District"));
        let (_, new) = page(&app, "/regions/new?parent=33.16.09.2001").await;
        assert!(new.contains("value=\"33.16.09.2001.\""));
        let (s, location, _) = submit(&app, "/regions", &[("code", "33.16.09.2001.D1"), ("name", "Dusun Krajan"), ("kind", "dusun")]).await;
        assert_eq!(s, 303);
        assert_eq!(location, "/regions/33.16.09.2001.D1");
        let (s, edit) = page(&app, "/regions/33.16.09.2001.D1/edit?lang=en").await;
        assert_eq!(s, 200);
        assert!(edit.contains("Edit region"));
        let (s, _, _) = submit(&app, "/regions/33.16.09.2001.D1/edit", &[("name", "Dusun Krajan Lor"), ("kind", "dusun"), ("version", "1")]).await;
        assert_eq!(s, 303);
        let (_, view) = page(&app, "/regions/33.16.09.2001.D1").await;
        assert!(view.contains("Dusun Krajan Lor"));
    }

    async fn people_groups_agencies_program_pages(app: TestApp) {
        fixtures::regions(&*app.store).await;
        let (agency, program) = fixtures::program(&*app.store).await;
        let (_, location, _) = submit(&app, "/households", &household_form(KK, "Jl. Melati 7")).await;
        let hid = location.trim_start_matches("/households/").to_string();

        let (s, new_person) = page(&app, &format!("/people/new?household={hid}")).await;
        assert_eq!(s, 200);
        assert!(new_person.contains(&format!("value=\"{hid}\"")));
        // Recorded as male: the page warns about the NIK instead of refusing it.
        let person = [("nik", NIK), ("name", "Siti Aminah"), ("sex", "male"), ("birth_date", "1985-03-12"),
            ("relation", "head"), ("household_id", hid.as_str()), ("education", "sd"), ("disability", "none")];
        let (s, person_loc, body) = submit(&app, "/people", &person).await;
        assert_eq!(s, 303, "{body}");
        let (_, view) = page(&app, &person_loc).await;
        assert!(view.contains("Siti Aminah") && view.contains(NIK));
        assert!(view.contains("Peringatan NIK"), "{view}");
        let (_, view_en) = page(&app, &format!("{person_loc}?lang=en")).await;
        assert!(view_en.contains("NIK warning") && view_en.contains("Primary school"));
        let (_, list) = page(&app, "/people?q=siti").await;
        assert!(list.contains("Siti Aminah") && list.contains("3316••••••••0012") && !list.contains(NIK));
        let (_, hh) = page(&app, &format!("/households/{hid}")).await;
        assert!(hh.contains("Siti Aminah"), "the household lists its members");
        let (s, _) = page(&app, &format!("{person_loc}/edit")).await;
        assert_eq!(s, 200);

        let (s, group_loc, body) = submit(&app, "/groups", &[("name", "KWT Sukawangi Sejahtera"), ("kind", "women_farmer_group"),
            ("region", "33.16.09.2001")]).await;
        assert_eq!(s, 303, "{body}");
        let pid = person_loc.trim_start_matches("/people/");
        let (s, _, body) = submit(&app, &format!("{group_loc}/members"), &[("person_id", pid), ("role", "treasurer")]).await;
        assert_eq!(s, 303, "{body}");
        let (_, gview) = page(&app, &format!("{group_loc}?lang=id")).await;
        assert!(gview.contains("Kelompok Wanita Tani (KWT)"), "{gview}");
        assert!(gview.contains("Bendahara") && gview.contains("Siti Aminah"), "{gview}");
        let (_, glist) = page(&app, "/groups?lang=en").await;
        assert!(glist.contains("KWT Sukawangi Sejahtera") && glist.contains("Women farmer group"));
        let (s, _, body) = submit(&app, &format!("{group_loc}/members"), &[("person_id", "abc"), ("role", "treasurer")]).await;
        assert_eq!(s, 422);
        assert!(body.contains("member-person_id-error") && body.contains("value=\"abc\""));

        let (_, alist) = page(&app, "/agencies").await;
        assert!(alist.contains("Dinas Sosial Blora"));
        let (s, _, body) = submit(&app, &format!("/agencies/{agency}/staff"), &[("name", "Pendamping PKH"), ("position", "Pendamping")]).await;
        assert_eq!(s, 303, "{body}");
        let (_, aview) = page(&app, &format!("/agencies/{agency}?lang=en")).await;
        assert!(aview.contains("Pendamping PKH") && aview.contains("Staff"));
        let (s, unit_loc, body) = submit(&app, "/agencies", &[("name", "UPTD PKH"), ("kind", "unit"), ("region", "33.16.09"),
            ("parent_id", &agency.to_string())]).await;
        assert_eq!(s, 303, "{body}");
        let (_, uview) = page(&app, &unit_loc).await;
        assert!(uview.contains("Dinas Sosial Blora"), "the unit links its agency");

        let (_, plist) = page(&app, "/programs").await;
        assert!(plist.contains("PKH Randublatung") && plist.contains("Dinas Sosial Blora"));
        let (s, _, body) = submit(&app, &format!("/programs/{program}/enrollments"), &[("subject_kind", "person"), ("subject_id", pid),
            ("status", "active"), ("enrolled_on", "2020-01-15")]).await;
        assert_eq!(s, 303, "{body}");
        let (_, pview) = page(&app, &format!("/programs/{program}?lang=id")).await;
        assert!(pview.contains("Siti Aminah") && pview.contains("2020-01-15") && pview.contains("Peserta aktif"));
        let (s, _, body) = submit(&app, &format!("/programs/{program}/enrollments?lang=en"), &[("subject_kind", "person"), ("subject_id", pid),
            ("status", "active"), ("enrolled_on", "2020-01-15")]).await;
        assert_eq!(s, 409, "a second enrollment of the same subject is refused");
        assert!(body.contains("class=\"alert\""));
        let (s, _, body) = submit(&app, &format!("/households/{hid}/enrollments"), &[("program_id", &program.to_string()),
            ("status", "active"), ("enrolled_on", "2019-02-01")]).await;
        assert_eq!(s, 303, "{body}");
        let (_, hh) = page(&app, &format!("/households/{hid}")).await;
        assert!(hh.contains("PKH Randublatung"));
        let (s, new_program) = page(&app, &format!("/programs/new?agency={agency}&lang=en")).await;
        assert_eq!(s, 200);
        assert!(new_program.contains("New program") && new_program.contains("Dinas Sosial Blora"));
        let (s, location, body) = submit(&app, "/programs", &[("name", "Rumah Baca"), ("agency_id", &agency.to_string()),
            ("starts_on", "2021-01-01"), ("ends_on", "2020-01-01")]).await;
        assert_eq!(s, 422, "{location}");
        assert!(body.contains("program-ends_on-error") && body.contains("value=\"Rumah Baca\""));
        let (s, edit) = page(&app, &format!("/programs/{program}/edit?lang=id")).await;
        assert_eq!(s, 200);
        assert!(edit.contains("Ubah program"));
    }

    async fn unknown_pages_are_404(app: TestApp) {
        let (s, body) = page(&app, "/no/such/page").await;
        assert_eq!(s, 404);
        assert!(body.contains("Halaman tidak ditemukan") && body.contains("<html"));
        let (s, body) = page(&app, "/households/999").await;
        assert_eq!(s, 404);
        assert!(body.contains("<html"));
        let res = app.client.get(app.url("/api/v1/nothing")).send().await.expect("request");
        assert_eq!(res.status().as_u16(), 404);
        let json: serde_json::Value = res.json().await.expect("json");
        assert_eq!(json["error"]["code"], "not_found");
    }
}
