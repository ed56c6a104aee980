//! How segment layouts 2 and 3 (`docs/FORMAT.md`) code the shingle sets of its
//! groups: a sorted set of distinct 64-bit hashes as **Golomb–Rice codes of
//! its gaps** ([`put_set`], [`get_set`]), and a document's set as
//! **references to passage sets plus a residual** ([`DocSetCode`]).
//!
//! Rice coding (Golomb, "Run-length encodings", IEEE Trans. Inf. Theory
//! 12(3), 1966; Rice's power-of-two case): each gap `d` is written as
//! `d >> k` in unary (that many 1 bits, then a 0) followed by the low `k`
//! bits of `d`. With uniform hashes the gaps are nearly geometric and
//! `k = ⌊log2 mean gap⌋` costs about `64 − log2 n + 1.6` bits per value,
//! close to the entropy of a random `n`-subset of the 64-bit values: the
//! most any lossless code saves on uniform hashes.

/// Appends `v` as a LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The LEB128 varint at `b[*at..]`, advancing `at`; `None` if it runs past
/// the end or past 64 bits.
pub(super) fn get_varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        let bits = (byte & 0x7F) as u64;
        if shift == 63 && bits > 1 {
            return None;
        }
        v |= bits << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Bits written least significant first into bytes.
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u128,
    bits: u32,
}

impl BitWriter<'_> {
    /// Appends the low `n` bits of `v` (`n ≤ 64`).
    fn put(&mut self, v: u64, n: u32) {
        if n == 0 {
            return;
        }
        let v = if n == 64 { v } else { v & ((1u64 << n) - 1) };
        self.acc |= (v as u128) << self.bits;
        self.bits += n;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// Appends `q` 1 bits and a 0.
    fn unary(&mut self, mut q: u64) {
        while q >= 32 {
            self.put(u32::MAX as u64, 32);
            q -= 32;
        }
        self.put((1u64 << q) - 1, q as u32 + 1);
    }

    /// Writes out the last partial byte (zero bits above).
    fn finish(self) {
        if self.bits > 0 {
            self.out.push(self.acc as u8);
        }
    }
}

/// Bits read least significant first from bytes.
struct BitReader<'a> {
    b: &'a [u8],
    at: usize,
    acc: u128,
    bits: u32,
}

impl BitReader<'_> {
    fn refill(&mut self) {
        while self.bits <= 64 && self.at < self.b.len() {
            self.acc |= (self.b[self.at] as u128) << self.bits;
            self.at += 1;
            self.bits += 8;
        }
    }

    /// The next `n ≤ 64` bits.
    fn get(&mut self, n: u32) -> Option<u64> {
        if n == 0 {
            return Some(0);
        }
        self.refill();
        if self.bits < n {
            return None;
        }
        let v = if n == 64 {
            self.acc as u64
        } else {
            (self.acc as u64) & ((1u64 << n) - 1)
        };
        self.acc >>= n;
        self.bits -= n;
        Some(v)
    }

    /// The next unary number, at most `max`.
    fn unary(&mut self, max: u64) -> Option<u64> {
        let mut q = 0u64;
        loop {
            self.refill();
            if self.bits == 0 {
                return None;
            }
            let ones = ((!self.acc) as u64).trailing_zeros().min(self.bits);
            if ones < self.bits {
                q += ones as u64;
                self.acc >>= ones + 1;
                self.bits -= ones + 1;
                return (q <= max).then_some(q);
            }
            q += ones as u64;
            self.acc >>= ones;
            self.bits -= ones;
            if q > max {
                return None;
            }
        }
    }

    /// Whether everything left is the zero padding of the last byte.
    fn at_end(&mut self) -> bool {
        self.refill();
        self.at == self.b.len() && self.bits < 8 && self.acc == 0
    }
}

/// Appends the Rice code of `values` (sorted, distinct): nothing for an
/// empty set, else the parameter `k` (one byte) and the gaps' codes, to a
/// whole byte. The reader knows the count.
pub(super) fn put_set(out: &mut Vec<u8>, values: &[u64]) {
    let Some(&last) = values.last() else {
        return;
    };
    debug_assert!(values.windows(2).all(|w| w[0] < w[1]));
    let n = values.len() as u64;
    // The gaps (the first value, then each difference less one) add up to
    // `last − (n − 1)`.
    let mean = (last - (n - 1)) / n;
    let k = if mean == 0 { 0 } else { mean.ilog2() };
    out.push(k as u8);
    let mut w = BitWriter {
        out,
        acc: 0,
        bits: 0,
    };
    let mut prev: Option<u64> = None;
    for &v in values {
        let d = prev.map_or(v, |p| v - p - 1);
        w.unary(d >> k);
        w.put(d, k);
        prev = Some(v);
    }
    w.finish();
}

/// The `n` values Rice-coded in `b` (exactly: trailing bytes are an
/// error), appended to `out`; `None` if `b` is not such a code.
pub(super) fn get_set(b: &[u8], n: u64, out: &mut Vec<u64>) -> Option<()> {
    if n == 0 {
        return b.is_empty().then_some(());
    }
    let (&k, rest) = b.split_first()?;
    if k > 63 {
        return None;
    }
    let k = k as u32;
    // Each value takes at least k + 1 bits.
    if n > (rest.len() as u64 * 8) / (k as u64 + 1) {
        return None;
    }
    let max_q = u64::MAX >> k;
    let mut r = BitReader {
        b: rest,
        at: 0,
        acc: 0,
        bits: 0,
    };
    out.reserve(n as usize);
    let mut next = 0u64;
    for i in 0..n {
        let q = r.unary(max_q)?;
        let d = (q << k) | r.get(k)?;
        let v = next.checked_add(d)?;
        out.push(v);
        if i + 1 < n {
            next = v.checked_add(1)?;
        }
    }
    r.at_end().then_some(())
}

/// What layouts 2 and 3 store of a document's shingle set (exact
/// verification): references to passage groups of its segment, whose sets
/// are subsets of it, and the residual, the document's shingles in none of
/// them. The union of the referenced sets and the residual is the
/// document's set.
///
/// Layout 3 refers to every passage group of the segment with a non-empty
/// set that is a subset of the document's and whose first passage is in
/// the document group's first document or an earlier one (a pure function
/// of the segment's sets, so folds and single builds agree), coded as runs
/// of consecutive group numbers. Layout 2 refers to a range of groups less
/// some positions (the passage groups first seen in the first document).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct DocSetCode {
    /// Passage groups referenced, ascending.
    pub(super) refs: Vec<u64>,
    /// Sorted, distinct.
    pub(super) residual: Vec<u64>,
}

impl DocSetCode {
    /// Chooses what to store of the document set `doc` (sorted, distinct),
    /// given candidate passage groups (ascending group numbers with their
    /// sets): every candidate whose set is a non-empty subset of `doc` is
    /// referenced.
    pub(super) fn choose<'a>(
        doc: &[u64],
        candidates: impl IntoIterator<Item = (u64, &'a [u64])>,
    ) -> DocSetCode {
        let mut refs = Vec::new();
        let mut covered: Vec<u64> = Vec::new();
        for (g, part) in candidates {
            if !part.is_empty() && is_subset(part, doc) {
                debug_assert!(refs.last().is_none_or(|&l| l < g));
                refs.push(g);
                covered.extend_from_slice(part);
            }
        }
        covered.sort_unstable();
        covered.dedup();
        let residual = difference(doc, &covered);
        DocSetCode { refs, residual }
    }

    /// The runs of consecutive referenced groups: (first, count).
    pub(super) fn runs(&self) -> Vec<(u64, u64)> {
        let mut runs: Vec<(u64, u64)> = Vec::new();
        for &g in &self.refs {
            match runs.last_mut() {
                Some((first, count)) if *first + *count == g => *count += 1,
                _ => runs.push((g, 1)),
            }
        }
        runs
    }

    /// Appends the layout 3 code: varint number of runs, per run varints
    /// (first group − the end of the run before, 0 for the first run) and
    /// (groups − 1), then varint residual size and its Rice code.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        let runs = self.runs();
        put_varint(out, runs.len() as u64);
        let mut end = 0;
        for (first, count) in runs {
            put_varint(out, first - end);
            put_varint(out, count - 1);
            end = first + count;
        }
        put_varint(out, self.residual.len() as u64);
        put_set(out, &self.residual);
    }

    /// The inverse of [`encode`](DocSetCode::encode) for layout 3, or of
    /// layout 2's code; `None` for bytes that are not such a code or that
    /// refer to groups at or past `groups`.
    pub(super) fn decode(b: &[u8], groups: u64, layout: u32) -> Option<DocSetCode> {
        let mut at = 0;
        let mut refs = Vec::new();
        if layout <= 2 {
            let first = get_varint(b, &mut at)?;
            let count = get_varint(b, &mut at)?;
            if count > groups || first > groups - count {
                return None;
            }
            let n = get_varint(b, &mut at)?;
            if n > count {
                return None;
            }
            let mut excluded = Vec::with_capacity(n as usize);
            let mut next = 0u64;
            for _ in 0..n {
                let e = next.checked_add(get_varint(b, &mut at)?)?;
                if e >= count {
                    return None;
                }
                excluded.push(e);
                next = e + 1;
            }
            let mut ex = excluded.iter().peekable();
            for i in 0..count {
                if ex.peek() == Some(&&i) {
                    ex.next();
                } else {
                    refs.push(first + i);
                }
            }
        } else {
            let runs = get_varint(b, &mut at)?;
            if runs > groups {
                return None;
            }
            let mut end = 0u64;
            for i in 0..runs {
                let gap = get_varint(b, &mut at)?;
                if i > 0 && gap == 0 {
                    return None;
                }
                let first = end.checked_add(gap)?;
                let count = get_varint(b, &mut at)?.checked_add(1)?;
                end = first.checked_add(count)?;
                if end > groups {
                    return None;
                }
                refs.extend(first..end);
            }
        }
        let r = get_varint(b, &mut at)?;
        let mut residual = Vec::new();
        get_set(&b[at..], r, &mut residual)?;
        Some(DocSetCode { refs, residual })
    }
}

/// The passage groups of a segment by the smallest hash of their sets: a
/// group whose set is a subset of a document's has its smallest hash in
/// the document's set, so looking up each of the document's hashes finds
/// every such group (and a few others, which the subset test drops). The
/// index is sorted by a bijective mix of the smallest hash, which spreads
/// the (small, skewed) minima evenly, and a directory of its top bits finds
/// a hash's entries in one or two steps. 16 bytes a group (a padded `(u64, u32)`) and 4 a bucket.
#[derive(Debug, Default)]
pub(super) struct MinIndex {
    entries: Vec<(u64, u32)>,
    dir: Vec<u32>,
    bits: u32,
}

/// The mix of [`MinIndex`]: odd multiplier, so a bijection.
fn mix(v: u64) -> u64 {
    v.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl MinIndex {
    /// The index of `(smallest hash, group)` pairs (non-empty sets only).
    pub(super) fn new(pairs: Vec<(u64, u32)>) -> MinIndex {
        let mut entries: Vec<(u64, u32)> = pairs.into_iter().map(|(m, g)| (mix(m), g)).collect();
        entries.sort_unstable();
        let bits = (entries.len().max(1).ilog2()).min(28);
        let mut dir = vec![0u32; (1usize << bits) + 1];
        for &(k, _) in &entries {
            dir[Self::bucket(k, bits) + 1] += 1;
        }
        for i in 1..dir.len() {
            dir[i] += dir[i - 1];
        }
        MinIndex { entries, dir, bits }
    }

    fn bucket(k: u64, bits: u32) -> usize {
        if bits == 0 {
            0
        } else {
            (k >> (64 - bits)) as usize
        }
    }

    /// Appends to `out` the groups whose smallest hash is one of `hashes`.
    pub(super) fn candidates(&self, hashes: &[u64], out: &mut Vec<u32>) {
        if self.entries.is_empty() {
            return;
        }
        for &h in hashes {
            let k = mix(h);
            let b = Self::bucket(k, self.bits);
            let bucket = &self.entries[self.dir[b] as usize..self.dir[b + 1] as usize];
            let i = bucket.partition_point(|e| e.0 < k);
            out.extend(bucket[i..].iter().take_while(|e| e.0 == k).map(|e| e.1));
        }
    }

    /// Bytes held.
    pub(super) fn memory(&self) -> usize {
        self.entries.len() * 16 + self.dir.len() * 4
    }
}

/// The first (smallest) value of a set Rice-coded in `b` (`None` for an
/// empty or damaged code): the first gap.
pub(super) fn first_of_set(b: &[u8]) -> Option<u64> {
    let (&k, rest) = b.split_first()?;
    if k > 63 {
        return None;
    }
    let mut r = BitReader {
        b: rest,
        at: 0,
        acc: 0,
        bits: 0,
    };
    let q = r.unary(u64::MAX >> k)?;
    Some((q << k) | r.get(k as u32)?)
}

/// Whether sorted `a` is a subset of sorted `b`.
fn is_subset(a: &[u64], b: &[u64]) -> bool {
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j == b.len() || b[j] != x {
            return false;
        }
        j += 1;
    }
    true
}

/// Sorted `a` less sorted `b`.
fn difference(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::new();
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j == b.len() || b[j] != x {
            out.push(x);
        }
    }
    out
}

/// The union of sorted sets (`parts`: one after the other), sorted and
/// distinct.
pub(super) fn union(parts: Vec<u64>) -> Vec<u64> {
    let mut v = parts;
    // The stable sort finds the sorted runs and merges them (O(n log runs));
    // the unstable one would sort from scratch.
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(values: &[u64]) {
        let mut b = Vec::new();
        put_set(&mut b, values);
        let mut got = Vec::new();
        assert_eq!(get_set(&b, values.len() as u64, &mut got), Some(()));
        assert_eq!(got, values);
        // A byte more is not the code (a value more may be: zero padding
        // reads as gaps of 0 when k is small; the callers know the count).
        let mut v = Vec::new();
        let mut longer = b.clone();
        longer.push(0);
        assert_eq!(get_set(&longer, values.len() as u64, &mut v), None);
    }

    #[test]
    fn rice_codes_round_trip_at_the_edges() {
        round_trip(&[]);
        round_trip(&[0]);
        round_trip(&[u64::MAX]);
        round_trip(&[0, u64::MAX]);
        round_trip(&[0, 1, 2, 3]);
        round_trip(&[u64::MAX - 2, u64::MAX - 1, u64::MAX]);
        round_trip(&(0..1000).map(|i| i * 3).collect::<Vec<_>>());
        round_trip(&[5, 1 << 40, (1 << 40) + 1, u64::MAX / 2]);
    }

    #[test]
    fn uniform_hashes_cost_about_the_entropy() {
        // 470 and 50 uniform values: 64 − log2 n + about 1.6 bits each.
        for n in [50usize, 470] {
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    xxhash_rust::xxh3::xxh3_64(&state.to_le_bytes())
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            let mut b = Vec::new();
            put_set(&mut b, &v);
            let bits = b.len() as f64 * 8.0 / v.len() as f64;
            let bound = 64.0 - (v.len() as f64).log2();
            assert!(bits > bound && bits < bound + 2.5, "{n}: {bits} bits each");
            round_trip(&v);
        }
    }

    #[test]
    fn damaged_codes_are_refused_not_panics() {
        let mut b = Vec::new();
        put_set(&mut b, &[1, 2, 3, 1 << 50]);
        for cut in 0..b.len() {
            let _ = get_set(&b[..cut], 4, &mut Vec::new());
        }
        assert_eq!(get_set(&[64, 0xFF], 1, &mut Vec::new()), None);
        assert_eq!(get_set(&[0, 0xFF, 0xFF], 1, &mut Vec::new()), None);
        assert_eq!(get_set(&[], 1, &mut Vec::new()), None);
        assert_eq!(get_set(&[0], 0, &mut Vec::new()), None);
        // A varint of more than 64 bits.
        assert_eq!(get_varint(&[0xFF; 10], &mut 0), None);
        assert_eq!(
            get_varint(
                &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
                &mut 0
            ),
            Some(u64::MAX)
        );
    }

    #[test]
    fn a_document_set_is_its_parts_and_residual() {
        let doc = [1u64, 2, 3, 5, 8, 13, 21];
        let parts: [&[u64]; 5] = [&[1, 2], &[99], &[], &[3, 5, 8], &[21]];
        let code = DocSetCode::choose(&doc, (7..).zip(parts));
        assert_eq!(code.refs, [7, 10, 11]);
        assert_eq!(code.runs(), [(7, 1), (10, 2)]);
        assert_eq!(code.residual, [13]);
        let mut b = Vec::new();
        code.encode(&mut b);
        assert_eq!(DocSetCode::decode(&b, 12, 3), Some(code.clone()));
        assert_eq!(DocSetCode::decode(&b, 11, 3), None);
        for cut in 0..b.len() {
            assert_eq!(DocSetCode::decode(&b[..cut], 12, 3), None);
        }
        // Layout 2: first 7, count 4, positions 1 and 2 excluded.
        let mut old = Vec::new();
        for v in [7u64, 4, 2, 1, 0] {
            put_varint(&mut old, v);
        }
        put_varint(&mut old, 1);
        put_set(&mut old, &[13]);
        let back = DocSetCode::decode(&old, 11, 2).unwrap();
        assert_eq!(back.refs, [7, 10]);
        assert_eq!(DocSetCode::decode(&old, 10, 2), None);
    }

    #[test]
    fn the_min_index_finds_every_group_by_its_smallest_hash() {
        let sets: Vec<Vec<u64>> = (0..500u64)
            .map(|i| {
                vec![
                    i % 97,
                    1000 + i,
                    xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()),
                ]
            })
            .map(|mut v| {
                v.sort_unstable();
                v
            })
            .collect();
        let index = MinIndex::new(
            sets.iter()
                .enumerate()
                .map(|(g, s)| (s[0], g as u32))
                .collect(),
        );
        for h in [0u64, 5, 96, 97, 1000, 123_456] {
            let mut got = Vec::new();
            index.candidates(&[h], &mut got);
            got.sort_unstable();
            let want: Vec<u32> = (0..500).filter(|&g| sets[g as usize][0] == h).collect();
            assert_eq!(got, want, "{h}");
        }
        let mut b = Vec::new();
        put_set(&mut b, &sets[3]);
        assert_eq!(first_of_set(&b), Some(sets[3][0]));
        assert_eq!(first_of_set(&[]), None);
        MinIndex::new(Vec::new()).candidates(&[1], &mut Vec::new());
    }

    proptest! {
        #[test]
        fn any_set_round_trips(mut v in proptest::collection::vec(any::<u64>(), 0..300), small in any::<bool>()) {
            if small {
                for x in &mut v {
                    *x %= 1000;
                }
            }
            v.sort_unstable();
            v.dedup();
            round_trip(&v);
        }

        #[test]
        fn any_document_code_rebuilds_its_set(
            doc in proptest::collection::btree_set(0u64..200, 0..60),
            parts in proptest::collection::vec(proptest::collection::btree_set(0u64..200, 0..12), 0..8),
            gaps in proptest::collection::vec(1u64..4, 8),
            first in 0u64..1_000_000,
        ) {
            let doc: Vec<u64> = doc.into_iter().collect();
            let parts: Vec<Vec<u64>> = parts.into_iter().map(|p| p.into_iter().collect()).collect();
            let mut numbers = Vec::new();
            let mut g = first;
            for gap in gaps.iter().take(parts.len()) {
                numbers.push(g);
                g += gap;
            }
            let code = DocSetCode::choose(&doc, numbers.iter().copied().zip(parts.iter().map(Vec::as_slice)));
            let mut b = Vec::new();
            code.encode(&mut b);
            let back = DocSetCode::decode(&b, g, 3).expect("decodes");
            prop_assert_eq!(&back, &code);
            let mut all = back.residual.clone();
            for r in &back.refs {
                let i = numbers.iter().position(|n| n == r).expect("a candidate");
                all.extend_from_slice(&parts[i]);
            }
            prop_assert_eq!(union(all), doc);
        }
    }
}
