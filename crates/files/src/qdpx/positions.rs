//! Source text as stored → normalised text, and positions as the file counts them → code
//! points of the normalised text (see the [module docs](super#positions)).

use super::{QdaSelection, QdpxError, ReadOptions, check_range};

/// Decodes a text file: UTF-8 (a BOM is kept, to be dropped by [`normalise`]) or UTF-16 with
/// a BOM.
pub(super) fn decode(part: &str, bytes: Vec<u8>) -> Result<String, QdpxError> {
    let utf16 = |be: bool| {
        let units = bytes[2..].chunks(2).map(|c| {
            let pair = [c[0], c.get(1).copied().unwrap_or(0)];
            if be { u16::from_be_bytes(pair) } else { u16::from_le_bytes(pair) }
        });
        char::decode_utf16(units).collect::<Result<String, _>>().map_err(|_| QdpxError::NotUtf8 { part: part.into() })
    };
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) if bytes.len().is_multiple_of(2) => utf16(false),
        Some([0xFE, 0xFF]) if bytes.len().is_multiple_of(2) => utf16(true),
        _ => String::from_utf8(bytes).map_err(|_| QdpxError::NotUtf8 { part: part.into() }),
    }
}

/// The width, in the file's positions, of the character starting at byte `i` of `raw`, and
/// the bytes it takes (a CR LF pair is one character of the normalised text).
fn step(raw: &str, i: usize, opts: ReadOptions) -> (u64, usize) {
    let ch = raw[i..].chars().next().unwrap_or('\0');
    if ch == '\r' && raw.as_bytes().get(i + 1) == Some(&b'\n') {
        return (if opts.crlf_counts_two { 2 } else { 1 }, 2);
    }
    let width = if opts.utf16_units && u32::from(ch) > 0xFFFF { 2 } else { 1 };
    (width, ch.len_utf8())
}

/// Normalises `raw` (drops a leading BOM, turns CR LF and CR into LF) and moves the
/// selections' positions from the file's counting onto code points of the result, after
/// checking them against the text. Returns the text and, when it differs, the original.
pub(super) fn normalise(
    raw: String,
    opts: ReadOptions,
    source_guid: &str,
    selections: &mut [QdaSelection],
) -> Result<(String, Option<String>), QdpxError> {
    let raw = match raw.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => raw,
    };
    let simple = !raw.contains('\r') && (!opts.utf16_units || raw.chars().all(|c| u32::from(c) <= 0xFFFF));
    if simple {
        let len = raw.chars().count() as u64;
        for s in selections.iter() {
            check_range(source_guid, &s.guid, s.start as u64, s.end as u64, len)?;
        }
        return Ok((raw, None));
    }

    // Length in the file's positions.
    let mut len = 0u64;
    let mut i = 0;
    while i < raw.len() {
        let (w, b) = step(&raw, i, opts);
        len += w;
        i += b;
    }
    for s in selections.iter() {
        check_range(source_guid, &s.guid, s.start as u64, s.end as u64, len)?;
    }

    // Every boundary asked for, by position: (position, is end, selection).
    let mut queries: Vec<(u64, bool, usize)> = Vec::with_capacity(selections.len() * 2);
    for (k, s) in selections.iter().enumerate() {
        queries.push((s.start as u64, false, k));
        queries.push((s.end as u64, true, k));
    }
    queries.sort_unstable();
    let mut answers = vec![(0usize, 0usize); selections.len()];
    let mut set = |(_, is_end, k): (u64, bool, usize), at: usize| {
        if is_end {
            answers[k].1 = at;
        } else {
            answers[k].0 = at;
        }
    };

    let mut text = String::with_capacity(raw.len());
    let (mut pos, mut chars, mut i, mut q) = (0u64, 0usize, 0usize, 0usize);
    while i < raw.len() {
        let (w, b) = step(&raw, i, opts);
        while q < queries.len() && queries[q].0 < pos + w {
            // At the character's start, or inside it (CR|LF, a surrogate pair): a start
            // takes the whole character, an end too.
            let inside = queries[q].0 > pos;
            let at = if inside && queries[q].1 { chars + 1 } else { chars };
            set(queries[q], at);
            q += 1;
        }
        let piece = &raw[i..i + b];
        if piece == "\r\n" || piece == "\r" {
            text.push('\n');
        } else {
            text.push_str(piece);
        }
        pos += w;
        chars += 1;
        i += b;
    }
    for &query in &queries[q..] {
        set(query, chars);
    }
    for (s, (start, end)) in selections.iter_mut().zip(answers) {
        s.start = start;
        s.end = end;
    }
    let original = (text != raw).then_some(raw);
    Ok((text, original))
}

/// A note's text: no BOM, LF line breaks.
pub(super) fn normalise_note(raw: String) -> String {
    let raw = raw.strip_prefix('\u{FEFF}').map(str::to_string).unwrap_or(raw);
    if raw.contains('\r') { raw.replace("\r\n", "\n").replace('\r', "\n") } else { raw }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(start: usize, end: usize) -> QdaSelection {
        QdaSelection {
            guid: "00000000-0000-0000-0000-000000000001".into(),
            name: String::new(),
            start,
            end,
            creating_user: None,
            codings: Vec::new(),
            note_refs: Vec::new(),
        }
    }

    fn quote(raw: &str, opts: ReadOptions, start: usize, end: usize) -> String {
        let mut s = [sel(start, end)];
        let (text, _) = normalise(raw.to_string(), opts, "s", &mut s).unwrap();
        text.chars().skip(s[0].start).take(s[0].end - s[0].start).collect()
    }

    const TWO: ReadOptions = ReadOptions { crlf_counts_two: true, utf16_units: false };
    const ONE: ReadOptions = ReadOptions { crlf_counts_two: false, utf16_units: false };
    const NVIVO: ReadOptions = ReadOptions { crlf_counts_two: true, utf16_units: true };

    #[test]
    fn crlf_counts_either_way() {
        let raw = "ab\r\ncd\r\nef";
        assert_eq!(quote(raw, TWO, 4, 6), "cd");
        assert_eq!(quote(raw, ONE, 3, 5), "cd");
        assert_eq!(quote(raw, TWO, 0, 10), "ab\ncd\nef");
        assert_eq!(quote(raw, ONE, 0, 8), "ab\ncd\nef");
        // A boundary between CR and LF takes the whole line break.
        assert_eq!(quote(raw, TWO, 3, 4), "\n");
        assert_eq!(quote(raw, TWO, 2, 3), "\n");
        assert_eq!(quote(raw, TWO, 3, 6), "\ncd");
        // A lone CR is one position either way.
        assert_eq!(quote("a\rb", TWO, 2, 3), "b");
        assert_eq!(quote("\u{FEFF}a\r\nb", TWO, 3, 4), "b");
    }

    #[test]
    fn utf16_units_count_astral_characters_twice() {
        let raw = "😀 ok";
        assert_eq!(quote(raw, NVIVO, 3, 5), "ok");
        assert_eq!(quote(raw, TWO, 2, 4), "ok");
        assert_eq!(quote(raw, NVIVO, 1, 2), "😀");
        assert_eq!(quote(raw, NVIVO, 1, 3), "😀 ");
    }

    #[test]
    fn positions_beyond_the_text_are_refused() {
        let mut s = [sel(0, 11)];
        let e = normalise("ab\r\ncd\r\nef".into(), TWO, "src", &mut s).unwrap_err();
        assert!(matches!(e, QdpxError::SelectionOutOfRange { len: 10, .. }), "{e}");
        let mut s = [sel(0, 9)];
        assert!(normalise("ab\r\ncd\r\nef".into(), ONE, "src", &mut s).is_err());
    }
}
