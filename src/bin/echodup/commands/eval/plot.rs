//! SVG plots for `echodup eval` (feature `plot`, turned on by `cli`).

use anyhow::anyhow;
use echodup::Banding;
use echodup::eval::CalibrationBin;
use plotters::prelude::*;

const SIZE: (u32, u32) = (720, 480);

/// One row of the precision/recall plot: `(t, precision, recall, truth recall)`.
type PrRow = (f64, f64, f64, f64);

/// A line of the precision/recall plot: label, colour, value of a row.
type PrSeries = (&'static str, RGBColor, fn(&PrRow) -> f64);
const FONT: &str = "sans-serif";

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("plot: {e}")
}

/// Precision and recall (like with like) and recall against the truth's own
/// Jaccard, against threshold: `(t, precision, recall, truth recall)`.
pub(crate) fn precision_recall(
    out: &mut String,
    title: &str,
    rows: &[PrRow],
) -> anyhow::Result<()> {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let lo = rows
        .iter()
        .flat_map(|r| [r.1, r.2, r.3])
        .fold(1.0f64, f64::min);
    let y0 = ((lo - 0.02) * 50.0).floor() / 50.0;
    let y0 = y0.clamp(0.0, 0.98);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{title}: document pairs against threshold"),
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.45f64..1.0, y0..1.005)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("threshold t (exact Jaccard)")
        .y_desc("fraction")
        .y_label_formatter(&|v| format!("{v:.2}"))
        .draw()
        .map_err(err)?;
    let series: [PrSeries; 3] = [
        ("precision", BLUE, |r| r.1),
        ("recall (J ≥ t, same shingles)", RED, |r| r.2),
        ("recall (truth file's J ≥ t)", RGBColor(0, 140, 0), |r| {
            r.3
        }),
    ];
    for (label, color, f) in series {
        chart
            .draw_series(LineSeries::new(
                rows.iter().map(|r| (r.0, f(r))),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                rows.iter()
                    .map(|r| Circle::new((r.0, f(r)), 4, color.filled())),
            )
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The S-curve `banding` predicts and the candidate rate measured per bin
/// of exact Jaccard.
pub(crate) fn calibration(
    out: &mut String,
    title: &str,
    threshold: f64,
    banding: Banding,
    bins: &[CalibrationBin],
) -> anyhow::Result<()> {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{title}: LSH candidates at t={threshold} ({}×{} bands)",
                banding.bands(),
                banding.rows()
            ),
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.02)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("exact Jaccard of the pair")
        .y_desc("probability of becoming a candidate")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            (0..=200).map(|i| {
                let s = i as f64 / 200.0;
                (s, banding.probability(s))
            }),
            BLUE.stroke_width(2),
        ))
        .map_err(err)?
        .label("predicted 1 − (1 − sʳ)ᵇ")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(
            bins.iter()
                .filter(|b| b.pairs > 0)
                .map(|b| Circle::new(((b.lo + b.hi) / 2.0, b.measured()), 5, RED.filled())),
        )
        .map_err(err)?
        .label("measured (fraction of pairs per 0.05 bin)")
        .legend(|(x, y)| Circle::new((x + 10, y), 5, RED.filled()));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(threshold, 0.0), (threshold, 1.02)],
            BLACK.mix(0.4),
        )))
        .map_err(err)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// MinHash estimate against exact Jaccard, with `y = x` and the ±2σ band
/// `2·sqrt(J(1 − J)/k)`.
pub(crate) fn estimator(
    out: &mut String,
    title: &str,
    num_perm: usize,
    points: &[(f64, f64)],
) -> anyhow::Result<()> {
    let root = SVGBackend::with_string(out, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{title}: MinHash estimate ({num_perm} slots) vs exact Jaccard"),
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("exact Jaccard")
        .y_desc("estimate (equal slots / slots)")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 2, RED.mix(0.5).filled())),
        )
        .map_err(err)?
        .label(format!("{} pairs", points.len()))
        .legend(|(x, y)| Circle::new((x + 10, y), 3, RED.filled()));
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK))
        .map_err(err)?
        .label("estimate = exact")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    let k = num_perm.max(1) as f64;
    for sign in [1.0, -1.0] {
        let s = chart
            .draw_series(LineSeries::new(
                (0..=100).map(|i| {
                    let j = i as f64 / 100.0;
                    (
                        j,
                        (j + sign * 2.0 * (j * (1.0 - j) / k).sqrt()).clamp(0.0, 1.0),
                    )
                }),
                BLUE,
            ))
            .map_err(err)?;
        if sign > 0.0 {
            s.label("±2σ, σ = sqrt(J(1 − J)/k)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}
