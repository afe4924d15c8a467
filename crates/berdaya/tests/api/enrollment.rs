//! The enrollment life cycle over the API and in the pages: status changes under the
//! transition table and the roles' rules, each refusal naming its field in Indonesian, the
//! version check, out-of-scope enrollments answered as missing ones, and the history on the
//! enrollment, household, person and program pages and in the audit log.

use berdaya_domain::registry::{EnrollmentDraft, Id};
use serde_json::{Value, json};

use crate::access::world;
use crate::backend_tests;
use crate::helpers::{TestApp, csrf_in};

const MISSING: Id = 987_654;
const REASON: &str = "Tidak hadir P2K2 tiga bulan berturut-turut";

/// Enrolls a household in a program through the store (as the system), on 2024-02-01.
async fn enroll(app: &TestApp, program: Id, household: Id) -> Id {
    let draft = EnrollmentDraft {
        subject_kind: "household".into(),
        subject_id: household.to_string(),
        status: "enrolled".into(),
        enrolled_on: "2024-02-01".into(),
        ended_on: None,
    };
    app.store.enroll(program, &draft.parse().expect("enrollment")).await.expect("enroll").id
}

async fn get_json(client: &reqwest::Client, url: String) -> (u16, Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(client: &reqwest::Client, url: String, body: &Value) -> (u16, Value) {
    let res = client.post(url).json(body).send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("request");
    (res.status().as_u16(), res.text().await.expect("html"))
}

/// Asserts a 422 naming `field`, in Indonesian with `words` in its text.
fn refused(answer: (u16, Value), field: &str, words: &str) {
    let (status, body) = answer;
    assert_eq!(status, 422, "{body}");
    let fields = body["error"]["fields"].as_array().cloned().unwrap_or_default();
    let hit = fields.iter().find(|f| f["field"] == field).unwrap_or_else(|| panic!("no error on {field}: {body}"));
    // `message` stays English; `text` is the caller's language, Indonesian by default.
    let text = hit["text"].as_str().unwrap_or_default();
    assert!(text.contains(words), "{field}: {text:?} lacks {words:?}");
}

fn change(status: &str, on: &str, reason: Option<&str>, version: i64) -> Value {
    json!({"status": status, "on": on, "reason": reason, "version": version})
}

backend_tests! {
    async fn status_changes_follow_the_rules_and_are_recorded(app: TestApp) {
        let (w, clients) = world(&app).await;
        let e = enroll(&app, w.prog_blora, w.h_assigned).await;
        let e_batu = enroll(&app, w.prog_batu, w.h_batu).await;
        let officer = &clients["officer"];
        let url = |id: Id, tail: &str| app.url(&format!("/api/v1/enrollments/{id}{tail}"));

        let (s, read) = get_json(officer, url(e, "")).await;
        assert_eq!(s, 200, "{read}");
        assert_eq!((read["status"].as_str(), read["version"].as_i64()), (Some("enrolled"), Some(1)));

        // Each rule refused, naming its field in Indonesian.
        refused(post_json(officer, url(e, "/status"), &change("suspended", "2024-03-01", None, 1)).await, "reason", "wajib diisi");
        refused(post_json(officer, url(e, "/status"), &change("candidate", "2024-03-01", None, 1)).await, "status", "tidak dapat menjadi candidate");
        refused(post_json(officer, url(e, "/status"), &change("enrolled", "2024-03-01", None, 1)).await, "status", "sudah berstatus enrolled");
        refused(post_json(officer, url(e, "/status"), &change("paused", "2024-03-01", None, 1)).await, "status", "paused");
        refused(post_json(officer, url(e, "/status"), &change("graduated", "2999-01-01", None, 1)).await, "on", "masa depan");
        refused(post_json(officer, url(e, "/status"), &change("graduated", "2024-01-31", None, 1)).await, "on", "perubahan status terakhir");
        refused(post_json(officer, url(e, "/status"), &change("graduated", "kemarin", None, 1)).await, "on", "YYYY-MM-DD");
        let (s, body) = post_json(officer, url(e, "/status"), &json!({"status": "graduated", "on": "2024-03-01"})).await;
        assert_eq!((s, body["error"]["fields"][0]["field"].as_str()), (422, Some("version")), "{body}");
        let (s, stale) = post_json(officer, url(e, "/status"), &change("graduated", "2024-03-01", None, 7)).await;
        assert_eq!(s, 409, "{stale}");

        // The change: the decider is the caller, whatever the body says.
        let mut body = change("suspended", "2024-03-01", Some(REASON), 1);
        body["decided_by"] = json!(1);
        body["decided_by_name"] = json!("admin");
        let (s, changed) = post_json(officer, url(e, "/status"), &body).await;
        assert_eq!(s, 200, "{changed}");
        assert_eq!((changed["status"].as_str(), changed["version"].as_i64()), (Some("suspended"), Some(2)));
        let (s, history) = get_json(officer, url(e, "/history")).await;
        assert_eq!(s, 200, "{history}");
        let name = berdaya_domain::access::Username::parse("officer").expect("username");
        let officer_id = app.store.user_for_login(&name).await.expect("read").expect("officer").0.id;
        assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
        let latest = &history[0];
        assert_eq!(
            (&latest["from_status"], &latest["to_status"], &latest["on"], &latest["reason"]),
            (&json!("enrolled"), &json!("suspended"), &json!("2024-03-01"), &json!(REASON))
        );
        assert_eq!((&latest["decided_by"], &latest["decided_by_name"]), (&json!(officer_id), &json!("officer")));
        assert_eq!((&history[1]["from_status"], &history[1]["to_status"]), (&Value::Null, &json!("enrolled")));
        assert_eq!(history[1]["decided_by_name"], "system");

        // Out of the officer's area: exactly like a missing enrollment.
        for tail in ["", "/history"] {
            let (s_batu, batu) = get_json(officer, url(e_batu, tail)).await;
            let (s_gone, gone) = get_json(officer, url(MISSING, tail)).await;
            assert_eq!((s_batu, s_gone), (404, 404));
            assert_eq!(batu, gone);
        }
        let (s, batu) = post_json(officer, url(e_batu, "/status"), &change("suspended", "2024-03-01", Some(REASON), 1)).await;
        let (_, gone) = post_json(officer, url(MISSING, "/status"), &change("suspended", "2024-03-01", Some(REASON), 1)).await;
        assert_eq!((s, &batu), (404, &gone));
        assert_eq!(app.store.enrollment(e_batu).await.expect("read").version, 1, "nothing changed");

        // Roles: a facilitator reads what is assigned but decides nothing; a group officer does
        // not see households; evaluators and viewers read no personal records.
        let reinstate = change("enrolled", "2024-04-01", None, 2);
        //                     GET   POST
        for (role, get_status, post_status) in [("fac", 200, 403), ("leader", 404, 404), ("eva", 403, 403), ("viewer", 403, 403)] {
            let c = &clients[role];
            assert_eq!(get_json(c, url(e, "")).await.0, get_status, "{role} GET");
            assert_eq!(post_json(c, url(e, "/status"), &reinstate).await.0, post_status, "{role} POST");
        }
        assert_eq!(app.store.enrollment(e).await.expect("read").version, 2, "refused roles changed nothing");

        // The administrator (the test app's own client) may decide anywhere.
        let (s, batu) = post_json(&app.client, url(e_batu, "/status"), &change("exited", "2024-05-01", Some("Pindah domisili"), 1)).await;
        assert_eq!((s, batu["status"].as_str(), batu["ended_on"].as_str()), (200, Some("exited"), Some("2024-05-01")), "{batu}");
        // Re-entry after an exit clears the end date; a graduation is final.
        let (s, back) = post_json(&app.client, url(e_batu, "/status"), &change("enrolled", "2024-06-01", None, 2)).await;
        assert_eq!((s, back["ended_on"].clone()), (200, Value::Null), "{back}");
        let (s, _) = post_json(&app.client, url(e_batu, "/status"), &change("graduated", "2024-07-01", None, 3)).await;
        assert_eq!(s, 200);
        refused(post_json(&app.client, url(e_batu, "/status"), &change("enrolled", "2024-08-01", None, 4)).await, "status", "final");

        // The program's history, scoped like its enrollments.
        let (s, of_program) = get_json(officer, app.url(&format!("/api/v1/programs/{}/history", w.prog_blora))).await;
        assert_eq!((s, of_program["total"].as_u64()), (200, Some(2)), "{of_program}");
        assert_eq!(get_json(officer, app.url(&format!("/api/v1/programs/{}/history", w.prog_batu))).await.0, 404);
        assert_eq!(get_json(&clients["fac"], app.url(&format!("/api/v1/programs/{}/history", w.prog_blora))).await.0, 403);

        // Each change is in the audit log, with readable labels.
        let (s, audit) = page(&app.client, app.url("/audit?entity=enrollment_changes")).await;
        assert_eq!(s, 200);
        for label in ["Riwayat status kepesertaan", "Status baru", "Status sebelumnya", REASON, "officer"] {
            assert!(audit.contains(label), "the audit page lacks {label:?}");
        }
    }

    async fn the_enrollment_page_changes_the_status_and_every_page_shows_the_history(app: TestApp) {
        let (w, clients) = world(&app).await;
        let e = enroll(&app, w.prog_blora, w.h_assigned).await;
        let officer = &clients["officer"];
        let href = format!("/enrollments/{e}");

        // Linked from the household's and the program's enrollments.
        for from in [format!("/households/{}", w.h_assigned), format!("/programs/{}", w.prog_blora)] {
            let (s, html) = page(officer, app.url(&from)).await;
            assert_eq!(s, 200);
            assert!(html.contains(&format!("href=\"{href}\"")), "{from} does not link to {href}");
            assert!(html.contains("Peserta aktif"), "{from} shows the status by its label");
        }

        let (s, html) = page(officer, app.url(&href)).await;
        assert_eq!(s, 200);
        assert!(html.contains("PKH Blora") && html.contains("Ubah status kepesertaan"));
        // Only the statuses that may follow `enrolled` are offered.
        for offered in ["value=\"suspended\"", "value=\"exited\"", "value=\"graduated\"", "value=\"terminated\""] {
            assert!(html.contains(offered), "{offered} is not offered");
        }
        assert!(!html.contains("value=\"candidate\""), "a move outside the table is offered");
        let csrf = csrf_in(&html).expect("csrf");
        let action = format!("{href}/status");

        // A refusal re-shows the form with the error beside its field.
        let bad = [("status", "suspended"), ("on", "2024-03-01"), ("reason", ""), ("version", "1"), ("_csrf", csrf.as_str())];
        let res = officer.post(app.url(&action)).form(&bad).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 422);
        let again = res.text().await.expect("html");
        assert!(again.contains("wajib diisi untuk penangguhan"), "the reason's error is shown");

        let good = [("status", "suspended"), ("on", "2024-03-01"), ("reason", REASON), ("version", "1"), ("_csrf", csrf.as_str())];
        let res = officer.post(app.url(&action)).form(&good).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(res.headers()["location"], format!("{href}#history").as_str());

        // A stale form is a conflict, not a second change.
        let res = officer.post(app.url(&action)).form(&good).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 409);
        assert_eq!(app.store.enrollment_history(e).await.expect("history").len(), 2);

        let person = format!("/people/{}", w.p_assigned);
        let program = format!("/programs/{}", w.prog_blora);
        let program_history = format!("/programs/{}/history", w.prog_blora);
        let household = format!("/households/{}", w.h_assigned);
        for at in [&href, &household, &person, &program, &program_history] {
            let (s, html) = page(officer, app.url(at)).await;
            assert_eq!(s, 200, "{at}");
            assert!(html.contains("Riwayat status kepesertaan"), "{at} has no history section");
            assert!(html.contains(REASON), "{at} does not show the change");
            assert!(html.contains("Peserta aktif → Ditangguhkan"), "{at} does not show the move by its labels");
        }

        // The facilitator sees the history but no form.
        let (s, html) = page(&clients["fac"], app.url(&href)).await;
        assert_eq!(s, 200);
        assert!(html.contains(REASON) && !html.contains(&action), "a facilitator is offered the form");

        // A final status: no form, a note instead.
        let v = app.store.enrollment(e).await.expect("read").version;
        let terminate = [("status", "terminated"), ("on", "2024-04-01"), ("reason", "Sanksi"), ("version", &v.to_string()), ("_csrf", csrf.as_str())];
        let res = officer.post(app.url(&action)).form(&terminate).send().await.expect("post");
        assert_eq!(res.status().as_u16(), 303);
        let (_, html) = page(officer, app.url(&href)).await;
        assert!(!html.contains(&action) && html.contains("Status ini final"));
    }
}
