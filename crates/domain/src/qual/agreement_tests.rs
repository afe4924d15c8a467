//! Tests of inter-coder agreement, against published reference values where there are some.

use super::*;
use proptest::prelude::*;

const EPS: f64 = 1e-9;

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() < EPS,
        _ => false,
    }
}

fn round3(x: Option<f64>) -> Option<f64> {
    x.map(|x| (x * 1000.0).round() / 1000.0)
}

/// Ratings from `matrix[unit][coder]` (`None` = missing), coders named `c0`, `c1`, …
fn ratings_from_matrix(matrix: &[Vec<Option<u8>>], coder_order: &[usize]) -> Ratings {
    let mut rows = Vec::new();
    for (u, unit) in matrix.iter().enumerate() {
        for &c in coder_order {
            let value = unit.get(c).copied().flatten().map(|v| v.to_string()).unwrap_or_default();
            rows.push((format!("u{u}"), format!("c{c}"), value));
        }
    }
    Ratings::from_rows(rows).expect("generated rows are valid")
}

/// Table of two coders from a 2 × 2 (or k × k) contingency table: `counts[(a, b)]` units where
/// coder A said `a` and coder B said `b`.
fn ratings_from_table(table: &[(&str, &str, usize)]) -> Ratings {
    let mut rows = Vec::new();
    let mut unit = 0;
    for &(a, b, count) in table {
        for _ in 0..count {
            rows.push((unit.to_string(), "A".to_string(), a.to_string()));
            rows.push((unit.to_string(), "B".to_string(), b.to_string()));
            unit += 1;
        }
    }
    Ratings::from_rows(rows).expect("valid table")
}

// ---------------------------------------------------------------------------------------------
// Published reference values
// ---------------------------------------------------------------------------------------------

/// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers × 12 units with
/// missing values. Published: nominal .743, ordinal .815, interval .849.
#[test]
fn krippendorff_2011_reliability_data() {
    let data = [
        ("A", "1 2 3 3 2 1 4 1 2 . . ."),
        ("B", "1 2 3 3 2 2 4 1 2 5 . 3"),
        ("C", ". 3 3 3 2 3 4 2 2 5 1 ."),
        ("D", "1 2 3 3 2 4 4 1 2 5 1 ."),
    ];
    let mut rows = Vec::new();
    for (coder, values) in data {
        for (unit, value) in values.split(' ').enumerate() {
            rows.push((format!("{}", unit + 1), coder, if value == "." { "" } else { value }));
        }
    }
    let r = Ratings::from_rows(rows).expect("valid data");
    assert!(r.is_numeric());
    let report = report(&r);
    assert_eq!(report.coders, 4);
    assert_eq!(report.units, 12);
    assert_eq!(report.pairable_units, 11);
    assert_eq!(report.cohen_kappa, None);
    assert_eq!(round3(report.alpha_nominal), Some(0.743), "{report:?}");
    assert_eq!(round3(report.alpha_ordinal), Some(0.815), "{report:?}");
    assert_eq!(round3(report.alpha_interval), Some(0.849), "{report:?}");
}

/// Artstein & Poesio (2008, p. 558), two coders tagging utterances Stat or IReq: both Stat 20,
/// A IReq / B Stat 10, A Stat / B IReq 20, both IReq 50. Published: A_o 0.7, kappa 0.348
/// (A_e = 0.4·0.3 + 0.6·0.7 = 0.54, each coder's own marginals).
#[test]
fn artstein_poesio_2008_stat_ireq_kappa() {
    let r =
        ratings_from_table(&[("Stat", "Stat", 20), ("IReq", "Stat", 10), ("Stat", "IReq", 20), ("IReq", "IReq", 50)]);
    assert!(!r.is_numeric());
    let report = report(&r);
    assert!(close(report.percent_agreement, Some(0.7)));
    assert_eq!(round3(report.cohen_kappa), Some(0.348), "{report:?}");
    assert!(close(report.cohen_kappa, Some(0.16 / 0.46)));
    // Hand-computed: n = 200 values, n_Stat = 70, n_IReq = 130, o = 30 disagreeing pairs:
    // alpha = 1 − 199 · 30 / (70 · 130).
    assert!(close(report.alpha_nominal, Some(1.0 - 199.0 * 30.0 / (70.0 * 130.0))));
    assert_eq!(report.alpha_ordinal, None);
    assert_eq!(report.alpha_interval, None);
}

/// The yes–no example of Cohen's kappa (Wikipedia, "Cohen's kappa"): both yes 20, A yes / B no 5,
/// A no / B yes 10, both no 15. p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, kappa 0.40.
#[test]
fn wikipedia_cohen_kappa_yes_no_table() {
    let r = ratings_from_table(&[("yes", "yes", 20), ("yes", "no", 5), ("no", "yes", 10), ("no", "no", 15)]);
    let report = report(&r);
    assert!(close(report.percent_agreement, Some(0.7)));
    assert!(close(report.cohen_kappa, Some(0.4)), "{report:?}");
}

// ---------------------------------------------------------------------------------------------
// Ratings and report
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_unit_coder_pair_names_both() {
    let err = Ratings::from_rows([("u1", "ana", "1"), ("u1", "budi", "2"), ("u1", "ana", "")]).unwrap_err();
    assert_eq!(err, RatingsError::Duplicate { unit: "u1".into(), coder: "ana".into() });
    let message = err.to_string();
    assert!(message.contains("u1") && message.contains("ana"), "{message}");
}

#[test]
fn empty_unit_or_coder_is_an_error() {
    assert_eq!(Ratings::from_rows([("u1", "a", "1"), (" ", "a", "1")]), Err(RatingsError::EmptyUnit { row: 2 }));
    assert_eq!(Ratings::from_rows([("u1", "", "1")]), Err(RatingsError::EmptyCoder { row: 1 }));
}

#[test]
fn numbers_are_compared_as_numbers_and_labels_as_text() {
    let r = Ratings::from_rows([("u1", "a", "1"), ("u1", "b", "1.0"), ("u2", "a", " 2 "), ("u2", "b", "")]).unwrap();
    assert!(r.is_numeric());
    assert_eq!(r.values(), &[Value::Number(1.0), Value::Number(2.0)]);
    assert_eq!(r.value(0, 1), Some(&Value::Number(1.0)));
    assert_eq!(r.value(1, 1), None);
    assert_eq!(r.value(9, 0), None);
    let rep = report(&r);
    assert_eq!(rep.pairable_units, 1);
    assert_eq!(rep.percent_agreement, Some(1.0));

    let r = Ratings::from_rows([("u1", "a", "1"), ("u1", "b", "low"), ("u2", "a", "NaN"), ("u2", "b", "1")]).unwrap();
    assert!(!r.is_numeric());
    let rep = report(&r);
    assert_eq!((rep.alpha_ordinal, rep.alpha_interval), (None, None));
    assert!(rep.alpha_nominal.is_some());
}

#[test]
fn percent_agreement_pools_pairs_over_units() {
    // Unit 1: a a b → 1 agreeing pair of 3; unit 2: x x → 1 of 1; unit 3: one value, dropped.
    let r = Ratings::from_rows([
        ("1", "p", "a"),
        ("1", "q", "a"),
        ("1", "r", "b"),
        ("2", "p", "x"),
        ("2", "q", "x"),
        ("2", "r", ""),
        ("3", "p", "y"),
    ])
    .unwrap();
    let rep = report(&r);
    assert_eq!(rep.pairable_units, 2);
    assert!(close(rep.percent_agreement, Some(0.5)));
}

#[test]
fn kappa_needs_exactly_two_coders_and_a_common_unit() {
    let three = Ratings::from_rows([("1", "a", "x"), ("1", "b", "x"), ("1", "c", "y")]).unwrap();
    assert_eq!(report(&three).cohen_kappa, None);
    let apart = Ratings::from_rows([("1", "a", "x"), ("2", "b", "x")]).unwrap();
    let rep = report(&apart);
    assert_eq!((rep.cohen_kappa, rep.percent_agreement, rep.alpha_nominal), (None, None, None));
}

#[test]
fn single_value_throughout_is_reported_as_one() {
    let r = ratings_from_table(&[("x", "x", 5)]);
    let rep = report(&r);
    assert_eq!(rep.cohen_kappa, Some(1.0));
    assert_eq!(rep.alpha_nominal, Some(1.0));
}

#[test]
fn complete_disagreement_on_two_units() {
    // Two units, A: x y, B: y x. p_o = 0, p_e = 0.5 → kappa −1; alpha = 1 − 3·2/(2·2) = −0.5.
    let r = ratings_from_table(&[("x", "y", 1), ("y", "x", 1)]);
    let rep = report(&r);
    assert!(close(rep.cohen_kappa, Some(-1.0)));
    assert!(close(rep.alpha_nominal, Some(-0.5)));
}

fn matrix(coders: usize) -> impl Strategy<Value = Vec<Vec<Option<u8>>>> {
    prop::collection::vec(prop::collection::vec(prop::option::weighted(0.8, 0u8..5), coders), 1..25)
}

proptest! {
    #[test]
    fn perfect_agreement_gives_kappa_and_alpha_one(
        m in 2usize..5,
        units in prop::collection::vec((0u8..4, prop::collection::vec(any::<bool>(), 4)), 1..20),
    ) {
        let matrix: Vec<Vec<Option<u8>>> = units
            .iter()
            .map(|(value, coded)| coded.iter().take(m).map(|&c| c.then_some(*value)).collect())
            .collect();
        let order: Vec<usize> = (0..m).collect();
        let rep = report(&ratings_from_matrix(&matrix, &order));
        let pairable: Vec<u8> = matrix
            .iter()
            .filter(|unit| unit.iter().flatten().count() >= 2)
            .filter_map(|unit| unit.iter().flatten().next().copied())
            .collect();
        prop_assume!(!pairable.is_empty());
        prop_assert_eq!(rep.percent_agreement, Some(1.0));
        if pairable.iter().any(|&v| v != pairable[0]) {
            prop_assert_eq!(rep.alpha_nominal, Some(1.0));
            prop_assert_eq!(rep.alpha_ordinal, Some(1.0));
            prop_assert_eq!(rep.alpha_interval, Some(1.0));
        }
        if m == 2 {
            prop_assert_eq!(rep.cohen_kappa, Some(1.0));
        }
    }

    #[test]
    fn kappa_is_symmetric_in_the_two_coders(matrix in matrix(2)) {
        let ab = report(&ratings_from_matrix(&matrix, &[0, 1]));
        let ba = report(&ratings_from_matrix(&matrix, &[1, 0]));
        prop_assert!(close(ab.cohen_kappa, ba.cohen_kappa), "{:?} {:?}", ab, ba);
    }

    #[test]
    fn alpha_is_invariant_to_coder_order(
        (matrix, order) in (2usize..6).prop_flat_map(|m| (matrix(m), Just((0..m).collect::<Vec<_>>()).prop_shuffle())),
    ) {
        let m = order.len();
        let a = report(&ratings_from_matrix(&matrix, &(0..m).collect::<Vec<_>>()));
        let b = report(&ratings_from_matrix(&matrix, &order));
        prop_assert!(close(a.alpha_nominal, b.alpha_nominal));
        prop_assert!(close(a.alpha_ordinal, b.alpha_ordinal));
        prop_assert!(close(a.alpha_interval, b.alpha_interval));
        prop_assert!(close(a.percent_agreement, b.percent_agreement));
    }

    #[test]
    fn alpha_is_at_most_one(matrix in (2usize..6).prop_flat_map(matrix)) {
        let rep = report(&ratings_from_matrix(&matrix, &(0..matrix[0].len()).collect::<Vec<_>>()));
        for alpha in [rep.alpha_nominal, rep.alpha_ordinal, rep.alpha_interval].into_iter().flatten() {
            prop_assert!(alpha <= 1.0 + EPS, "{:?}", rep);
        }
        if let Some(p) = rep.percent_agreement {
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coded text
// ---------------------------------------------------------------------------------------------

fn span(source: u32, code: u32, coder: u32, start: u32, end: u32) -> Span {
    Span { source, code, coder, start, end }
}

#[test]
fn character_identical_spans_agree_fully() {
    let sources = [SourceLen { source: 1, len: 10 }];
    let spans = [span(1, 7, 1, 2, 5), span(1, 7, 2, 2, 5)];
    let t = character_agreement(&sources, &[1, 2], &spans);
    assert_eq!(t.per_code.len(), 1);
    let c = &t.per_code[0];
    assert_eq!((c.code, c.units), (7, 10));
    assert_eq!((c.percent_agreement, c.cohen_kappa, c.alpha), (Some(1.0), Some(1.0), Some(1.0)));
    assert_eq!(t.overall.units, 10);
}

#[test]
fn character_disjoint_spans_by_hand() {
    // Length 10, A codes 0..4, B codes 6..10: A-only 4, B-only 4, neither 2.
    // p_o = 0.2, p_e = 0.4·0.4 + 0.6·0.6 = 0.52, kappa = −0.32/0.48 = −2/3.
    // Values n = 20, n_1 = 8, n_0 = 12, o_01 = 8: alpha = 1 − 19·8/(12·8) = −7/12.
    let sources = [SourceLen { source: 0, len: 10 }];
    let spans = [span(0, 3, 1, 0, 4), span(0, 3, 2, 6, 10)];
    let t = character_agreement(&sources, &[2, 1], &spans);
    let c = &t.per_code[0];
    assert!(close(c.percent_agreement, Some(0.2)));
    assert!(close(c.cohen_kappa, Some(-2.0 / 3.0)));
    assert!(close(c.alpha, Some(-7.0 / 12.0)));
}

#[test]
fn character_ignores_unlisted_and_clips_to_the_source() {
    let sources = [SourceLen { source: 0, len: 4 }, SourceLen { source: 0, len: 6 }];
    let spans = [
        span(0, 1, 1, 2, 50), // clipped to 2..6
        span(0, 1, 2, 2, 6),
        span(0, 1, 9, 0, 6), // unlisted coder
        span(5, 1, 1, 0, 3), // unlisted source
        span(0, 2, 1, 7, 9), // empty after clipping: code 2 not reported
        span(0, 3, 1, 3, 3), // empty
    ];
    let t = character_agreement(&sources, &[1, 2, 2], &spans);
    assert_eq!(t.per_code.len(), 1);
    let c = &t.per_code[0];
    assert_eq!((c.code, c.units), (1, 6));
    assert_eq!((c.percent_agreement, c.cohen_kappa, c.alpha), (Some(1.0), Some(1.0), Some(1.0)));
}

#[test]
fn character_pools_codes_by_summing_counts() {
    // Code 1 identical over 0..5, code 2 disjoint (A 0..2, B 8..10), length 10 each.
    let sources = [SourceLen { source: 0, len: 10 }];
    let spans = [span(0, 1, 1, 0, 5), span(0, 1, 2, 0, 5), span(0, 2, 1, 0, 2), span(0, 2, 2, 8, 10)];
    let t = character_agreement(&sources, &[1, 2], &spans);
    assert_eq!(t.overall.units, 20);
    // Pooled table: both 5, A-only 2, B-only 2, neither 11. p_o = 16/20; A yes 7, B yes 7.
    let pe = (7.0 * 7.0 + 13.0 * 13.0) / 400.0;
    assert!(close(t.overall.percent_agreement, Some(0.8)));
    assert!(close(t.overall.cohen_kappa, Some((0.8 - pe) / (1.0 - pe))));
}

#[test]
fn character_overlapping_spans_of_one_coder_count_once() {
    let sources = [SourceLen { source: 0, len: 10 }];
    let spans = [span(0, 1, 1, 0, 5), span(0, 1, 1, 3, 8), span(0, 1, 1, 8, 9), span(0, 1, 2, 0, 9)];
    let t = character_agreement(&sources, &[1, 2], &spans);
    assert_eq!(t.per_code[0].percent_agreement, Some(1.0));
}

#[test]
fn fewer_than_two_coders_gives_no_statistics() {
    let sources = [SourceLen { source: 0, len: 10 }];
    let t = character_agreement(&sources, &[1], &[span(0, 1, 1, 0, 5)]);
    let c = &t.per_code[0];
    assert_eq!((c.percent_agreement, c.cohen_kappa, c.alpha), (None, None, None));
}

/// Spans for a random text case: sources 0.., coders 0, 10, 20 (30 is never listed).
fn text_case() -> impl Strategy<Value = (Vec<SourceLen>, Vec<u32>, Vec<Span>)> {
    (
        prop::collection::vec(1u32..15, 1..4),
        2u32..4,
        prop::collection::vec((0u32..4, 0u32..3, 0u32..4, 0u32..18, 0u32..18), 0..12),
    )
        .prop_map(|(lens, m, raw)| {
            let sources = lens.iter().zip(0..).map(|(&len, source)| SourceLen { source, len }).collect();
            let coders = (0..m).map(|c| c * 10).collect();
            let spans = raw
                .into_iter()
                .map(|(source, code, coder, a, b)| span(source, code, coder * 10, a.min(b), a.max(b)))
                .collect();
            (sources, coders, spans)
        })
}

/// The explicit per-character table: one unit per (code, source, character) for `codes`.
fn per_character_ratings(sources: &[SourceLen], coders: &[u32], spans: &[Span], codes: &[u32]) -> Ratings {
    let mut rows = Vec::new();
    for &code in codes {
        for s in sources {
            for pos in 0..s.len {
                for &coder in coders {
                    let covered = spans.iter().any(|sp| {
                        sp.code == code && sp.coder == coder && sp.source == s.source && sp.start <= pos && pos < sp.end
                    });
                    rows.push((
                        format!("{code}:{}:{pos}", s.source),
                        coder.to_string(),
                        if covered { "1" } else { "0" },
                    ));
                }
            }
        }
    }
    Ratings::from_rows(rows).expect("valid rows")
}

proptest! {
    /// The run-length sweep equals `report()` on the explicit one-unit-per-character table.
    #[test]
    fn character_agreement_equals_report_on_explicit_characters((sources, coders, spans) in text_case()) {
        let t = character_agreement(&sources, &coders, &spans);
        let mut codes: Vec<u32> = spans
            .iter()
            .filter(|s| coders.contains(&s.coder))
            .filter(|s| sources.iter().any(|src| src.source == s.source && s.start.min(src.len) < s.end.min(src.len)))
            .map(|s| s.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        prop_assert_eq!(t.per_code.iter().map(|c| c.code).collect::<Vec<_>>(), codes.clone());
        for c in &t.per_code {
            let rep = report(&per_character_ratings(&sources, &coders, &spans, &[c.code]));
            prop_assert_eq!(c.units, rep.units as u64);
            prop_assert!(close(c.percent_agreement, rep.percent_agreement), "{:?} {:?}", c, rep);
            prop_assert!(close(c.cohen_kappa, rep.cohen_kappa), "{:?} {:?}", c, rep);
            prop_assert!(close(c.alpha, rep.alpha_nominal), "{:?} {:?}", c, rep);
        }
        if !codes.is_empty() {
            let rep = report(&per_character_ratings(&sources, &coders, &spans, &codes));
            prop_assert_eq!(t.overall.units, rep.units as u64);
            prop_assert!(close(t.overall.percent_agreement, rep.percent_agreement));
            prop_assert!(close(t.overall.cohen_kappa, rep.cohen_kappa), "{:?} {:?}", t.overall, rep);
            prop_assert!(close(t.overall.alpha, rep.alpha_nominal), "{:?} {:?}", t.overall, rep);
        }
    }
}

#[test]
fn segment_identical_spans_agree_fully() {
    let spans = [span(0, 1, 1, 0, 5), span(0, 1, 2, 0, 5), span(3, 1, 1, 9, 12), span(3, 1, 2, 9, 12)];
    let t = segment_agreement(&[1, 2], &spans);
    let c = &t.per_code[0];
    assert_eq!(c.units, 2);
    assert_eq!((c.percent_agreement, c.cohen_kappa, c.alpha), (Some(1.0), Some(1.0), Some(1.0)));
}

#[test]
fn segment_disjoint_spans_by_hand() {
    // Two clusters, each coded by one coder: A 1 0, B 0 1 → kappa −1, alpha −0.5 (as above).
    let spans = [span(0, 1, 1, 0, 5), span(0, 1, 2, 5, 9)];
    let t = segment_agreement(&[1, 2], &spans);
    let c = &t.per_code[0];
    assert_eq!(c.units, 2, "touching spans stay apart");
    assert!(close(c.percent_agreement, Some(0.0)));
    assert!(close(c.cohen_kappa, Some(-1.0)));
    assert!(close(c.alpha, Some(-0.5)));
}

#[test]
fn segment_clusters_merge_overlaps_transitively() {
    // A 0..4 and 6..10, B 3..7 bridges them: one cluster coded by both. A alone 20..25.
    // Units: (1,1) and (1,0). p_o = 1/2; A yes 2/2, B yes 1/2 → p_e = 1·0.5 + 0·0.5 = 0.5, kappa 0.
    // Values 1,1,1,0: n_1 = 3, n_0 = 1, o_01 = 1 → alpha = 1 − 3·1/(1·3) = 0.
    let spans = [span(0, 4, 1, 0, 4), span(0, 4, 1, 6, 10), span(0, 4, 2, 3, 7), span(0, 4, 1, 20, 25)];
    let t = segment_agreement(&[1, 2], &spans);
    let c = &t.per_code[0];
    assert_eq!(c.units, 2);
    assert!(close(c.percent_agreement, Some(0.5)));
    assert!(close(c.cohen_kappa, Some(0.0)));
    assert!(close(c.alpha, Some(0.0)));
}

#[test]
fn segment_pools_codes_and_three_coders() {
    let spans = [span(0, 1, 1, 0, 5), span(0, 1, 2, 1, 5), span(0, 1, 3, 2, 4), span(0, 2, 1, 0, 5)];
    let t = segment_agreement(&[1, 2, 3], &spans);
    assert_eq!(t.per_code.len(), 2);
    assert_eq!(t.per_code[0].cohen_kappa, None);
    assert_eq!(t.per_code[0].percent_agreement, Some(1.0));
    // Code 2: one cluster with values 1 0 0 → 1 agreeing pair of 3.
    assert!(close(t.per_code[1].percent_agreement, Some(1.0 / 3.0)));
    // Pooled: 2 units, 4 agreeing pairs of 6. Values 1,1,1,1,0,0: n_1 = 4, n_0 = 2,
    // o_01 = 1·2/2 = 1 → alpha = 1 − 5·1/(2·4) = 0.375.
    assert_eq!(t.overall.units, 2);
    assert!(close(t.overall.percent_agreement, Some(4.0 / 6.0)));
    assert!(close(t.overall.alpha, Some(0.375)));
}

#[test]
#[allow(clippy::single_range_in_vec_init)] // a coder's list of spans, here holding one
fn disagreements_list_presence_and_boundaries() {
    let spans = [
        span(0, 1, 1, 0, 5), // identical with coder 2: no disagreement
        span(0, 1, 2, 0, 5),
        span(0, 1, 1, 10, 20), // boundaries differ
        span(0, 1, 2, 12, 20),
        span(0, 1, 1, 30, 33), // same coverage, split differently: no disagreement
        span(0, 1, 1, 33, 36),
        span(0, 1, 2, 30, 36),
        span(1, 2, 2, 4, 8), // only coder 2
    ];
    let d = disagreements(&[2, 1], &spans);
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!((d[0].source, d[0].code, d[0].start, d[0].end, d[0].kind), (0, 1, 10, 20, DisagreementKind::Boundaries));
    assert_eq!(d[0].coders[0], CoderSegment { coder: 1, coded: true, spans: vec![10..20] });
    assert_eq!(d[0].coders[1], CoderSegment { coder: 2, coded: true, spans: vec![12..20] });
    assert_eq!((d[1].source, d[1].code, d[1].start, d[1].end, d[1].kind), (1, 2, 4, 8, DisagreementKind::Presence));
    assert_eq!(d[1].coders[0], CoderSegment { coder: 1, coded: false, spans: vec![] });
    assert_eq!(d[1].coders[1], CoderSegment { coder: 2, coded: true, spans: vec![4..8] });
}

/// 100,000 codings over 1,000 sources, two coders. Run with
/// `cargo test --release -p berdaya-domain qual::agreement -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn text_agreement_speed_100k_codings() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |bound: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(bound)) as u32
    };
    let sources: Vec<SourceLen> = (0..1000).map(|source| SourceLen { source, len: 20_000 }).collect();
    let spans: Vec<Span> = (0..100_000)
        .map(|_| {
            let start = next(19_500);
            span(next(1000), next(30), 1 + next(2), start, start + 1 + next(400))
        })
        .collect();
    let t0 = std::time::Instant::now();
    let chars = character_agreement(&sources, &[1, 2], &spans);
    let t1 = t0.elapsed();
    let segments = segment_agreement(&[1, 2], &spans);
    let t2 = t0.elapsed() - t1;
    let d = disagreements(&[1, 2], &spans);
    let t3 = t0.elapsed() - t1 - t2;
    println!("character {t1:?}, segment {t2:?}, disagreements {t3:?} ({} clusters)", d.len());
    println!("{:?}\n{:?}", chars.overall, segments.overall);
    if !cfg!(debug_assertions) {
        assert!(t1 < std::time::Duration::from_millis(200));
    }
}
