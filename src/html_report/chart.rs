//! The overview's charts, as inline SVG written here: bar charts of counts
//! in bins, readable without the page's script. Labels are the crate's own
//! words and numbers, never text from the corpus.

use std::fmt::Write as _;

use crate::report::Report;

/// The three charts of the overview: documents by the share of their text
/// that duplicates earlier text, clusters by size, shared passages by the
/// number of documents that carry them.
pub(crate) fn charts(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&bar_chart(
        "chart-duplication",
        "Documents by share of their text duplicated",
        "share of the document's passage bytes that duplicate earlier text",
        &duplication_bins(report),
    ));
    let sizes = report.clusters().iter().map(|c| c.len());
    out.push_str(&bar_chart(
        "chart-cluster-sizes",
        "Near-duplicate clusters by size",
        "documents in the cluster",
        &size_bins(sizes, &[2, 3, 4, 6, 11, 21, 101]),
    ));
    let carriers = report
        .passage_clusters()
        .iter()
        .filter(|c| c.is_cross_document())
        .map(|c| c.num_documents());
    out.push_str(&bar_chart(
        "chart-shared",
        "Shared passages by documents carrying them",
        "documents that carry the passage",
        &size_bins(carriers, &[2, 3, 6, 11, 101, 1001]),
    ));
    out
}

/// Documents in 11 bins: none of the text duplicated, then tenths.
fn duplication_bins(report: &Report) -> Vec<(String, usize)> {
    let mut counts = [0usize; 11];
    for s in report.summaries() {
        let f = s.duplicate_fraction();
        let bin = if f <= 0.0 {
            0
        } else {
            ((f * 10.0).ceil() as usize).clamp(1, 10)
        };
        counts[bin] += 1;
    }
    let mut bins = vec![("0%".to_string(), counts[0])];
    for (i, &count) in counts.iter().enumerate().skip(1) {
        bins.push((format!("≤{}%", i * 10), count));
    }
    bins
}

/// Counts of `values` in the bins that start at `starts` (ascending, the
/// last one open-ended).
fn size_bins(values: impl Iterator<Item = usize>, starts: &[usize]) -> Vec<(String, usize)> {
    let mut counts = vec![0usize; starts.len()];
    for v in values {
        let bin = starts.partition_point(|&s| s <= v).saturating_sub(1);
        counts[bin] += 1;
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let label = match starts.get(i + 1) {
                None => format!("{s}+"),
                Some(&next) if next == s + 1 => s.to_string(),
                Some(&next) => format!("{s}–{}", next - 1),
            };
            (label, counts[i])
        })
        .collect()
}

/// A bar chart with a square-root scale (so a bin of 10 next to one of a
/// million is still visible), the count above each bar and a `<title>` on
/// each bar for screen readers and tooltips.
fn bar_chart(id: &str, title: &str, axis: &str, bins: &[(String, usize)]) -> String {
    let (bar, gap, height, top, bottom) = (44.0, 10.0, 150.0, 22.0, 38.0);
    let width = bins.len() as f64 * (bar + gap) + gap;
    let max = bins.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    let _ = write!(
        s,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{title}</figcaption>\
         <svg role=\"img\" aria-label=\"{title}\" viewBox=\"0 0 {width} {total}\" \
         width=\"{width}\" height=\"{total}\">",
        total = top + height + bottom
    );
    let _ = write!(
        s,
        "<line x1=\"0\" y1=\"{y}\" x2=\"{width}\" y2=\"{y}\" class=\"axis\"/>",
        y = top + height
    );
    for (i, (label, count)) in bins.iter().enumerate() {
        let x = gap + i as f64 * (bar + gap);
        let h = if *count == 0 {
            0.0
        } else {
            (height * (*count as f64 / max).sqrt()).max(2.0)
        };
        let y = top + height - h;
        let _ = write!(
            s,
            "<g><title>{label}: {count}</title>\
             <rect x=\"{x}\" y=\"{y:.1}\" width=\"{bar}\" height=\"{h:.1}\" class=\"bar\"/>\
             <text x=\"{cx}\" y=\"{ty:.1}\" class=\"count\">{count}</text>\
             <text x=\"{cx}\" y=\"{ly}\" class=\"label\">{label}</text></g>",
            cx = x + bar / 2.0,
            ty = y - 5.0,
            ly = top + height + 16.0,
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" class=\"axis-title\">{axis}</text></svg></figure>",
        width / 2.0,
        top + height + 34.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_fall_in_their_bins() {
        let bins = size_bins([2, 2, 3, 5, 6, 150].into_iter(), &[2, 3, 4, 6, 101]);
        let counts: Vec<usize> = bins.iter().map(|b| b.1).collect();
        assert_eq!(counts, [2, 1, 1, 1, 1]);
        let labels: Vec<&str> = bins.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(labels, ["2", "3", "4–5", "6–100", "101+"]);
    }

    #[test]
    fn a_chart_has_one_bar_per_bin() {
        let svg = bar_chart("x", "T", "A", &[("a".into(), 0), ("b".into(), 7)]);
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>b: 7</title>"));
    }
}
