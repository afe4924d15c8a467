//! Qualitative evaluation on a tablet (768×1024): an evaluator codes a passage of each of two
//! interviews by selecting it in the text (positions counted in Unicode code points past
//! emoji, the second selection crossing an earlier coding's highlight), choosing the code
//! with the key 1 and applying it with Enter or the button; the dimension × role matrix
//! counts both; a conclusion resting on one of them is flagged for resting on one source and
//! one informant role, and the flag goes once the other (another source, another role)
//! supports it too. Runs on SQLite, and on PostgreSQL when `BERDAYA_TEST_PG_URL` is set.
//!
//! Needs `/usr/bin/chromedriver` and `/usr/bin/chromium`; without them the test says so and
//! passes, unless `BERDAYA_REQUIRE_BROWSER=1`.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use berdaya_domain::access::Role;
use berdaya_domain::framework::finding::FindingKind;
use berdaya_domain::qual::{Coding, NewCode, NewCoding, NewInformant, NewSource, NewStudy, Phase, SourceKind, Stance};
use berdaya_domain::registry::{Id, RegionCode, RegionDraft};
use berdaya_store::Store;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{Driver, body_text, connect, sign_in, snap, start_driver_on};
use crate::helpers::{Backend, PASSWORD, TestApp, create_user, run_and_clean, spawn_app};

/// The ports this test's chromedriver may use: the first half on SQLite, the second on
/// PostgreSQL (the two run at the same time).
const PORTS: std::ops::Range<u16> = 18920..18940;
const KALAMPANGAN: &str = "62.71.04.1002";
const EVALUATOR: &str = "evaluator.qual";
const EXTENSION: &str = "Penyuluh Pertanian";
const CHAIR: &str = "Ketua Kelompok Tani";
const CODE: &str = "Kapasitas petani rendah";
const TITLE_A: &str = "Wawancara penyuluh";
const TITLE_B: &str = "Wawancara ketua kelompok";

/// The extension worker's interview: emoji (one of them three code points joined by a ZWJ,
/// five UTF-16 units) before the passage, so code points and UTF-16 units differ.
const TEXT_A: &str = "Catatan 🌾 wawancara, \u{1F469}\u{200D}\u{1F33E} penyuluh bercerita.\r\n\
Petani muda jarang hadir di sekolah lapang karena musim tanam.\r\n\
Kelompok butuh jadwal baru.";
const PHRASE_A: &str = "Petani muda jarang hadir di sekolah lapang";

/// The group chair's interview; "pelatihan" is coded beforehand, so the passage selected over
/// it crosses a highlight (three text nodes).
const TEXT_B: &str = "Ketua kelompok 🙂 berkata: «Anggota kami kurang pelatihan pengendalian hama», lalu tertawa 😄.";
const PHRASE_B: &str = "Anggota kami kurang pelatihan pengendalian hama";
const MEMO_B: &str = "Pelatihan hama ke-2 belum ada";

struct World {
    study: Id,
    code: Id,
    /// The code the second key chooses (it marks "pelatihan" in the chair's interview).
    other_code: Id,
    a: Id,
    b: Id,
    evaluator: Id,
}

async fn world(store: &dyn Store) -> World {
    for (code, name, kind) in [
        ("62", "Kalimantan Tengah", "province"),
        ("62.71", "Kota Palangka Raya", "city"),
        ("62.71.04", "Sabangau", "district"),
        (KALAMPANGAN, "Kalampangan", "kelurahan"),
    ] {
        let r = RegionDraft { code: code.into(), name: name.into(), kind: kind.into() }.parse().expect("region");
        store.create_region(&r).await.expect("create region");
    }
    let evaluator = create_user(store, EVALUATOR, Role::Evaluator, Some("62.71"), None, None).await;
    let bina = store.framework_by_code("bina").await.expect("frameworks").expect("the four bina ship");
    let study = store
        .create_study(&NewStudy {
            title: "Kapasitas kelompok tani Kalampangan".into(),
            question: Some("Apa yang menghambat Bina Manusia di kelompok tani?".into()),
            region: Some(RegionCode::parse(KALAMPANGAN).expect("code")),
            framework_id: Some(bina.id),
            planned_roles: vec![EXTENSION.into(), CHAIR.into(), "Kepala Dinas".into()],
            links: vec![],
        })
        .await
        .expect("study");
    let informant = |pseudonym: &str, role: &str| NewInformant {
        pseudonym: pseudonym.into(),
        real_name: None,
        role: role.into(),
        sex: None,
        organisation: None,
        sampling_note: None,
        consent_on: None,
    };
    let ppl = store.add_informant(study.id, &informant("PPL-1", EXTENSION)).await.expect("informant");
    let chair = store.add_informant(study.id, &informant("KT-1", CHAIR)).await.expect("informant");
    let source = |title: &str, text: &str, who: Id| NewSource {
        title: title.into(),
        kind: SourceKind::Interview,
        taken_on: None,
        place: Some("Kalampangan".into()),
        original: text.into(),
        file_name: None,
        informants: vec![who],
        links: vec![],
    };
    let a = store.add_source(study.id, &source(TITLE_A, TEXT_A, ppl.id)).await.expect("source");
    let b = store.add_source(study.id, &source(TITLE_B, TEXT_B, chair.id)).await.expect("source");
    let code = store
        .add_code(
            study.id,
            &NewCode {
                name: CODE.into(),
                description: None,
                color: "#2a9d8f".into(),
                role: Some(FindingKind::Inhibiting),
                parents: vec![],
                dimensions: vec![bina.dimensions[0].id],
            },
        )
        .await
        .expect("code");
    let other = store
        .add_code(
            study.id,
            &NewCode {
                name: "Kata kunci".into(),
                description: None,
                color: "#e9c46a".into(),
                role: None,
                parents: vec![],
                dimensions: vec![],
            },
        )
        .await
        .expect("code");
    let coder = store.coder_for_user(study.id, evaluator.id, EVALUATOR).await.expect("coder");
    let (s, e) = span(&b.body, "pelatihan");
    store
        .add_coding(
            coder.id,
            &NewCoding { source_id: b.id, code_id: other.id, start: s, end: e, memo: None },
            Phase::Open,
        )
        .await
        .expect("an earlier coding");
    World { study: study.id, code: code.id, other_code: other.id, a: a.id, b: b.id, evaluator: evaluator.id }
}

/// Where `phrase` lies in `text`, in code points.
fn span(text: &str, phrase: &str) -> (u32, u32) {
    let at = text.find(phrase).expect("the phrase is in the text");
    let start = text[..at].chars().count() as u32;
    (start, start + phrase.chars().count() as u32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    if !crate::crawl::browser_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    run_and_clean(app, |app| scenario(app, PORTS.start..PORTS.start + 10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    if !crate::crawl::browser_installed() {
        return;
    }
    match spawn_app(Backend::Postgres).await {
        Some(app) => run_and_clean(app, |app| scenario(app, PORTS.start + 10..PORTS.end)).await,
        None => eprintln!("skipped: no PostgreSQL (set BERDAYA_TEST_PG_URL)"),
    }
}

async fn scenario(app: TestApp, ports: std::ops::Range<u16>) {
    let started = Instant::now();
    let store = &*app.store;
    let w = world(store).await;
    let port = ports.clone().find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok()).expect("a free port");
    let (driver, driver_url): (Driver, String) = start_driver_on(port).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver_url, profile.path()).await;
    let result = drive(&client, &app, &w).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(err) = result {
        panic!("{:?}: {err}", app.backend);
    }
    eprintln!("browser_qual on {:?}: {:.1} s", app.backend, started.elapsed().as_secs_f64());
}

async fn drive(client: &Client, app: &TestApp, w: &World) -> Result<(), String> {
    let base = app.address.as_str();
    let store = &*app.store;
    crate::crawl::set_screen(client, 768, 1024).await?;
    client.goto(&format!("{base}/login")).await.map_err(|e| format!("open the login page: {e}"))?;
    sign_in(client, EVALUATOR, PASSWORD).await?;

    // The study lists its two interviews; the first opens from it.
    client.goto(&format!("{base}/qual/studies/{}", w.study)).await.map_err(|e| format!("open the study: {e}"))?;
    wait_text(client, TITLE_B).await?;
    snap(client, "qual-study-tablet").await;
    click(client, &format!("#sources a[href='/qual/sources/{}']", w.a)).await?;
    loaded(client, "the first source").await?;
    let width = js(
        client,
        "return [window.innerWidth, document.documentElement.scrollWidth, document.documentElement.clientWidth];",
    )
    .await?;
    if width[0] != json!(768) || width[1].as_u64() > width[2].as_u64() {
        return Err(format!("the page is not laid out for a 768 px tablet without sideways scrolling: {width}"));
    }
    // On a tablet the panel sits under the text, not beside it.
    let stacked = js(
        client,
        "const t = document.getElementById('qual-text').getBoundingClientRect(); \
         const p = document.getElementById('coding-panel').getBoundingClientRect(); \
         return p.top >= t.bottom - 1;",
    )
    .await?;
    if stacked != json!(true) {
        return Err("the coding panel is not under the text on a tablet".into());
    }

    // 1. The first passage: selected, the key 1, Enter.
    let a = store.source(w.a).await.map_err(|e| format!("source: {e}"))?;
    let (start, end) = span(&a.body, PHRASE_A);
    let units = a.body[..a.body.find(PHRASE_A).unwrap_or(0)].encode_utf16().count() as u32;
    if start == units {
        return Err("the text must make code points and UTF-16 units differ".into());
    }
    let nodes = select(client, PHRASE_A).await?;
    if nodes != 1 {
        return Err(format!("the first passage should lie in one text node, not {nodes}"));
    }
    selected(client, PHRASE_A, start, end).await?;
    press(client, '1').await?;
    chosen(client, w.code).await?;
    snap(client, "qual-selected-tablet").await;
    press(client, Key::Enter.into()).await?;
    let g1 = coded(client, store, w, w.a, PHRASE_A, start, end, None).await?;
    let url = client.current_url().await.map_err(|e| format!("address: {e}"))?;
    if !url.as_str().ends_with(&format!("/qual/sources/{}#c{}", w.a, g1.id)) {
        return Err(format!("after coding the page is {url}"));
    }
    // The highlight takes the code's colour, with the text readable on it (set by the script:
    // the policy forbids inline style attributes).
    let want = json!(["rgb(42, 157, 143)", "rgb(0, 0, 0)"]);
    wait_js(
        client,
        "const s = getComputedStyle(document.querySelector('#qual-text mark')); return [s.backgroundColor, s.color];",
        |v| v == &want,
        "the highlight in the code's colour",
    )
    .await?;
    snap(client, "qual-coded-tablet").await;

    // 2. The second passage crosses the earlier highlight; the key 1, a memo with a digit in
    // it (typed, not a choice of code), then the button.
    client.goto(&format!("{base}/qual/studies/{}", w.study)).await.map_err(|e| format!("open the study: {e}"))?;
    wait_text(client, TITLE_B).await?;
    click(client, &format!("#sources a[href='/qual/sources/{}']", w.b)).await?;
    loaded(client, "the second source").await?;
    let b = store.source(w.b).await.map_err(|e| format!("source: {e}"))?;
    let (start, end) = span(&b.body, PHRASE_B);
    let nodes = select(client, PHRASE_B).await?;
    if nodes != 3 {
        return Err(format!("the second passage should cross the highlight (3 text nodes), not {nodes}"));
    }
    selected(client, PHRASE_B, start, end).await?;
    press(client, '2').await?;
    chosen(client, w.other_code).await?;
    press(client, '1').await?;
    chosen(client, w.code).await?;
    type_into(client, "#coding-memo", MEMO_B).await?;
    chosen(client, w.code).await?;
    let kept = js(
        client,
        "return [document.getElementById('coding-start').value, document.getElementById('coding-end').value];",
    )
    .await?;
    if kept != json!([start.to_string(), end.to_string()]) {
        return Err(format!("typing the memo lost the selection: {kept}"));
    }
    click(client, "#coding-submit").await?;
    let g2 = coded(client, store, w, w.b, PHRASE_B, start, end, Some(MEMO_B)).await?;

    // 3. The matrix: Bina Manusia spoken to once by each role.
    client
        .goto(&format!("{base}/qual/studies/{}/matrix?rows=dimension&cols=role", w.study))
        .await
        .map_err(|e| format!("open the matrix: {e}"))?;
    wait_text(client, "Bina Manusia").await?;
    snap(client, "qual-matrix-tablet").await;
    let table = js(
        client,
        "const t = document.querySelector('#matrix table'); if (!t) return null; \
         const head = Array.from(t.querySelectorAll('thead th')).map(e => e.textContent.trim()); \
         const rows = Array.from(t.querySelectorAll('tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim())); \
         return {head, rows};",
    )
    .await?;
    let head: Vec<String> = serde_json::from_value(table["head"].clone()).map_err(|e| format!("{e}: {table}"))?;
    let rows: Vec<Vec<String>> = serde_json::from_value(table["rows"].clone()).map_err(|e| format!("{e}: {table}"))?;
    let col = |name: &str| head.iter().position(|h| h == name);
    let (Some(ppl), Some(kt), Some(total)) = (col(EXTENSION), col(CHAIR), col("Jumlah")) else {
        return Err(format!("the matrix's columns are not the two roles and the total: {head:?}"));
    };
    let manusia = rows.iter().find(|r| r[0] == "Bina Manusia").ok_or(format!("no Bina Manusia row: {rows:?}"))?;
    if (manusia[ppl].as_str(), manusia[kt].as_str(), manusia[total].as_str()) != ("1", "1", "2") {
        return Err(format!("Bina Manusia should count 1 under each role: {head:?} {manusia:?}"));
    }
    if let Some(r) = rows.iter().find(|r| r[0] == "Bina Usaha")
        && (r[ppl].as_str(), r[kt].as_str()) != ("·", "·")
    {
        return Err(format!("Bina Usaha was not coded: {r:?}"));
    }
    let gaps = element_text(client, "#gaps").await?;
    if !gaps.contains("Peran informan belum diwawancarai") || !gaps.contains("Kepala Dinas") {
        return Err(format!("the gaps do not name the role not interviewed: {gaps}"));
    }
    // A cell opens its codings.
    let href = client
        .execute(
            "const t = document.querySelector('#matrix table'); \
             const i = Array.from(t.querySelectorAll('thead th')).findIndex(e => e.textContent.trim() === arguments[0]); \
             const r = Array.from(t.querySelectorAll('tbody tr')).find(r => r.cells[0].textContent.trim() === 'Bina Manusia'); \
             const a = r.cells[i].querySelector('a'); return a ? a.getAttribute('href') : null;",
            vec![json!(CHAIR)],
        )
        .await
        .map_err(|e| format!("the cell's link: {e}"))?;
    let href = href.as_str().ok_or(format!("the chair's Bina Manusia cell has no link: {href}"))?.to_string();
    if !href.starts_with(&format!("/qual/studies/{}/cell?", w.study)) {
        return Err(format!("the cell links to {href}"));
    }
    client.goto(&format!("{base}{href}")).await.map_err(|e| format!("open the cell: {e}"))?;
    wait_text(client, PHRASE_B).await?;
    let cell = element_text(client, "#codings").await?;
    if cell.contains(PHRASE_A) || !cell.contains(MEMO_B) {
        return Err(format!("the chair's cell should hold only the chair's coding: {cell}"));
    }

    // 4. A conclusion: one supporting coding is flagged, two from two sources and roles are not.
    client
        .goto(&format!("{base}/qual/studies/{}/conclusions", w.study))
        .await
        .map_err(|e| format!("open the conclusions: {e}"))?;
    wait_text(client, "Tulis kesimpulan").await?;
    let claim = "Kapasitas petani rendah menghambat Bina Manusia.";
    type_into(client, "#conclusion-claim", claim).await?;
    click(client, "#conclusion button[type=submit]").await?;
    wait_url(client, "/qual/conclusions/").await?;
    let url = client.current_url().await.map_err(|e| format!("address: {e}"))?;
    let conclusion: Id = url
        .path()
        .trim_start_matches("/qual/conclusions/")
        .parse()
        .map_err(|e| format!("the conclusion's address {url}: {e}"))?;
    wait_text(client, "Tambah bukti").await?;
    let coder = store
        .coders(w.study)
        .await
        .map_err(|e| format!("coders: {e}"))?
        .into_iter()
        .find(|c| c.user_id == Some(w.evaluator))
        .ok_or("the evaluator is no coder of the study")?;
    let option = element_text(client, &format!("#evidence-coding_id option[value='{}']", g1.id)).await?;
    let expected = format!("{CODE} — «{PHRASE_A}» ({TITLE_A}; {})", coder.name);
    if option != expected {
        return Err(format!("the coding is offered as {option:?}, not {expected:?}"));
    }
    add_evidence(client, g1.id, PHRASE_A).await?;
    let warning = warnings(client).await?;
    if !warning.contains("Triangulasi: Bertumpu pada satu sumber")
        || !warning.contains("Bertumpu pada satu peran informan")
    {
        return Err(format!("one coding should be flagged for one source and one role: {warning:?}"));
    }
    let figures = cards(client).await?;
    if figures != json!({"Bukti mendukung": "1", "Sumber": "1", "Jenis sumber": "1", "Peran informan": "1"}) {
        return Err(format!("the cards after one coding: {figures}"));
    }
    js(client, "window.scrollTo(0, 0); return null;").await?;
    snap(client, "qual-conclusion-flagged-tablet").await;
    add_evidence(client, g2.id, PHRASE_B).await?;
    let warning = warnings(client).await?;
    if !warning.is_empty() {
        return Err(format!("two sources and two roles are triangulated, yet: {warning:?}"));
    }
    let figures = cards(client).await?;
    if figures != json!({"Bukti mendukung": "2", "Sumber": "2", "Jenis sumber": "1", "Peran informan": "2"}) {
        return Err(format!("the cards after two codings: {figures}"));
    }
    let facts = element_text(client, "dl.facts").await?;
    if !facts.contains(&format!("{CHAIR}, {EXTENSION}")) || !facts.contains("Wawancara") {
        return Err(format!("the facts do not name both roles and the source type: {facts}"));
    }
    js(client, "window.scrollTo(0, 0); return null;").await?;
    snap(client, "qual-conclusion-triangulated-tablet").await;
    client
        .goto(&format!("{base}/qual/studies/{}/conclusions", w.study))
        .await
        .map_err(|e| format!("open the conclusions: {e}"))?;
    wait_text(client, claim).await?;
    let list = element_text(client, "#conclusions table").await?;
    if !list.contains("Tertriangulasi") {
        return Err(format!("the list does not show the conclusion triangulated: {list}"));
    }

    // What the forms stored.
    let c = store.conclusion(conclusion).await.map_err(|e| format!("conclusion: {e}"))?;
    let mut evidence = c.evidence.clone();
    evidence.sort_by_key(|(id, _)| *id);
    let mut expected = vec![(g1.id, Stance::Supports), (g2.id, Stance::Supports)];
    expected.sort_by_key(|(id, _)| *id);
    if (c.claim.as_str(), evidence) != (claim, expected) {
        return Err(format!("the conclusion stored: {c:?}"));
    }
    Ok(())
}

/// Selects `phrase` in the source's text as a user would (a range over its text nodes, then
/// left to the page's `selectionchange`); answers how many text nodes the selection spans.
async fn select(client: &Client, phrase: &str) -> Result<u64, String> {
    let found = client
        .execute(
            r#"
const phrase = arguments[0];
const root = document.getElementById('qual-text');
const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const nodes = [];
let all = '';
for (let n = walk.nextNode(); n; n = walk.nextNode()) { nodes.push([n, all.length]); all += n.data; }
const at = all.indexOf(phrase);
if (at < 0) return -1;
const where = (i, end) => {
  for (let k = nodes.length - 1; k >= 0; k--) {
    const [n, from] = nodes[k];
    if (from < i || (from === i && !end) || k === 0) return [n, i - from, k];
  }
};
const [sn, so, sk] = where(at, false);
const [en, eo, ek] = where(at + phrase.length, true);
const r = document.createRange();
r.setStart(sn, so);
r.setEnd(en, eo);
const sel = window.getSelection();
sel.removeAllRanges();
sel.addRange(r);
return ek - sk + 1;
"#,
            vec![json!(phrase)],
        )
        .await
        .map_err(|e| format!("select {phrase:?}: {e}"))?;
    found.as_u64().ok_or(format!("{phrase:?} is not in the text: {found}"))
}

/// Waits until the coding form holds the selection: its positions in code points, the quote.
async fn selected(client: &Client, phrase: &str, start: u32, end: u32) -> Result<(), String> {
    let want = json!([start.to_string(), end.to_string(), phrase, format!("({start}–{end})")]);
    wait_js(
        client,
        "return [document.getElementById('coding-start').value, document.getElementById('coding-end').value, \
         document.getElementById('coding-quote').textContent, document.getElementById('coding-span').textContent];",
        |v| v == &want,
        &format!("the form to hold {want}"),
    )
    .await
}

/// Waits until the coding form's code is `code`.
async fn chosen(client: &Client, code: Id) -> Result<(), String> {
    let want = json!(code.to_string());
    wait_js(client, "return document.getElementById('coding-code_id').value;", |v| v == &want, &format!("code {code}"))
        .await
}

/// Presses a key wherever the focus is (on the page, not in a field).
async fn press(client: &Client, key: char) -> Result<(), String> {
    let keys =
        KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.map_err(|e| format!("press {key:?}: {e}"))
}

/// Waits until the source page shows the coding of `phrase` highlighted and listed, and
/// checks what the store holds: the quote exactly, positions in code points.
#[allow(clippy::too_many_arguments)]
async fn coded(
    client: &Client,
    store: &dyn Store,
    w: &World,
    source: Id,
    phrase: &str,
    start: u32,
    end: u32,
    memo: Option<&str>,
) -> Result<Coding, String> {
    let started = Instant::now();
    let g = loop {
        let codings = store.source_codings(source).await.map_err(|e| format!("codings: {e}"))?;
        if let Some(g) = codings.into_iter().find(|g| g.code_id == w.code) {
            break g;
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("no coding was stored: {}", body_text(client).await));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    if (g.quote.as_str(), g.start, g.end, g.memo.as_deref(), g.phase) != (phrase, start, end, memo, Phase::Open) {
        return Err(format!("the coding stored is {g:?}, not {phrase:?} at {start}–{end}"));
    }
    // The page after the redirect: the passage highlighted by this coding, and listed.
    let want = json!(phrase);
    wait_js(
        client,
        &format!(
            "return Array.from(document.querySelectorAll('#qual-text mark')) \
             .filter(m => (m.dataset.codings || '').split(' ').includes('{}')) \
             .map(m => m.textContent).join('');",
            g.id
        ),
        |v| v == &want,
        &format!("{phrase:?} highlighted"),
    )
    .await?;
    let listed = element_text(client, "#codings table").await?;
    if !listed.contains(phrase) || !listed.contains(CODE) || !listed.contains(&format!("{start}–{end}")) {
        return Err(format!("the codings table does not list {phrase:?} at {start}–{end}: {listed}"));
    }
    Ok(g)
}

/// Adds a coding to the open conclusion as supporting evidence, and waits for it.
async fn add_evidence(client: &Client, coding: Id, phrase: &str) -> Result<(), String> {
    find(client, "#evidence-coding_id")
        .await?
        .select_by_value(&coding.to_string())
        .await
        .map_err(|e| format!("choose the coding: {e}"))?;
    find(client, "#evidence-stance").await?.select_by_value("supports").await.map_err(|e| format!("stance: {e}"))?;
    click(client, "#evidence button[type=submit]").await?;
    let want = json!(true);
    let quoted = json!(phrase).to_string();
    wait_js(
        client,
        &format!(
            "const t = document.querySelector('#evidence table'); \
             const o = document.querySelector(\"#evidence-coding_id option[value='{coding}']\"); \
             return !!t && t.textContent.includes({quoted}) && !o;"
        ),
        |v| v == &want,
        &format!("{phrase:?} as evidence"),
    )
    .await
}

async fn warnings(client: &Client) -> Result<String, String> {
    let v =
        js(client, "return Array.from(document.querySelectorAll('p.warning')).map(p => p.textContent).join(' | ');")
            .await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// The figure cards, label → number.
async fn cards(client: &Client) -> Result<Value, String> {
    js(
        client,
        "const out = {}; document.querySelectorAll('.cards .card').forEach(c => \
         { out[c.querySelector('.label').textContent.trim()] = c.querySelector('.count').textContent.trim(); }); \
         return out;",
    )
    .await
}

/// Waits until a source page has loaded with its script (deferred: run once parsing ends).
async fn loaded(client: &Client, what: &str) -> Result<(), String> {
    let want = json!(true);
    wait_js(
        client,
        "return document.readyState === 'complete' && !!document.getElementById('coding-submit');",
        |v| v == &want,
        what,
    )
    .await
}

async fn js(client: &Client, script: &str) -> Result<Value, String> {
    client.execute(script, vec![]).await.map_err(|e| format!("run {script:?}: {e}"))
}

/// Runs `script` until its answer satisfies `done` (up to 30 s); a page still loading
/// answers nothing yet.
async fn wait_js(client: &Client, script: &str, done: impl Fn(&Value) -> bool, what: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let got = client.execute(script, vec![]).await;
        if let Ok(v) = &got
            && done(v)
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("timed out waiting for {what}: last {got:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_url(client: &Client, needle: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let url = client.current_url().await.map_err(|e| format!("address: {e}"))?;
        if url.as_str().contains(needle) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!(
                "timed out waiting for an address with {needle:?}: {url}: {}",
                body_text(client).await
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_text(client: &Client, needle: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let text = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no page body yet: {e})"),
        };
        if text.contains(needle) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("timed out waiting for {needle:?}: {text}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn find(client: &Client, css: &str) -> Result<fantoccini::elements::Element, String> {
    match client.find(Locator::Css(css)).await {
        Ok(el) => Ok(el),
        Err(e) => Err(format!("{css}: {e}: {}", body_text(client).await)),
    }
}

async fn element_text(client: &Client, css: &str) -> Result<String, String> {
    find(client, css).await?.text().await.map_err(|e| format!("the text of {css}: {e}"))
}

async fn type_into(client: &Client, css: &str, text: &str) -> Result<(), String> {
    find(client, css).await?.send_keys(text).await.map_err(|e| format!("type into {css}: {e}"))
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    find(client, css).await?.click().await.map_err(|e| format!("click {css}: {e}"))
}
