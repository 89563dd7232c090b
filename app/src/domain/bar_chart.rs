//! Geometry of the overview's bar charts, in SVG user units: a plot area in
//! a fixed view box (the SVG scales to its container, so one layout serves a
//! phone and a desktop), a value scale with round ticks, and one slot per
//! bar. Pure; `components::overview_charts` draws the SVG from it.

/// The view box and the margins around the plot, for axis labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// 360 × 180: at a 375 px phone the chart is drawn at about its own size,
/// so its 11-unit labels stay readable.
pub const FRAME: Frame = Frame {
    width: 360.0,
    height: 180.0,
    left: 40.0,
    right: 8.0,
    top: 14.0,
    bottom: 30.0,
};

impl Frame {
    pub fn plot_width(&self) -> f64 {
        self.width - self.left - self.right
    }

    pub fn plot_height(&self) -> f64 {
        self.height - self.top - self.bottom
    }

    /// The y of the value axis's zero.
    pub fn baseline(&self) -> f64 {
        self.height - self.bottom
    }

    /// The y of `value` on a scale from 0 to `top`.
    pub fn y_of(&self, value: f64, top: f64) -> f64 {
        let share = if top > 0.0 {
            (value / top).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.baseline() - share * self.plot_height()
    }

    /// The x where slot `index` of `slots` begins (`index == slots` is the
    /// plot's right edge).
    pub fn edge_x(&self, index: usize, slots: usize) -> f64 {
        self.left + self.plot_width() * index as f64 / slots.max(1) as f64
    }

    /// The bar in slot `index` of `slots`: its x and width, with a fifth of
    /// the slot left as the gap between bars.
    pub fn bar_x(&self, index: usize, slots: usize) -> (f64, f64) {
        let slot = self.plot_width() / slots.max(1) as f64;
        let gap = slot * 0.2;
        (self.edge_x(index, slots) + gap / 2.0, slot - gap)
    }

    /// The middle of slot `index`, where its label goes.
    pub fn mid_x(&self, index: usize, slots: usize) -> f64 {
        (self.edge_x(index, slots) + self.edge_x(index + 1, slots)) / 2.0
    }
}

/// A rectangle in user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// The stacked bar of slot `index`: one rectangle per part, bottom first,
/// on a scale from 0 to `top`. Zero parts give zero-height rectangles, so
/// the result lines up with `parts`.
pub fn stacked_bar(
    frame: &Frame,
    index: usize,
    slots: usize,
    parts: &[u32],
    top: u32,
) -> Vec<Rect> {
    let (x, width) = frame.bar_x(index, slots);
    let mut below = 0_u32;
    parts
        .iter()
        .map(|part| {
            let y_low = frame.y_of(f64::from(below), f64::from(top));
            below += part;
            let y_high = frame.y_of(f64::from(below), f64::from(top));
            Rect {
                x,
                y: y_high,
                width,
                height: y_low - y_high,
            }
        })
        .collect()
}

/// Ticks for a count axis from zero: a step of 1, 2 or 5 times a power of
/// ten, at most five steps, the last tick at or above `max`. Whole numbers
/// only (counts are never halves); `[0, 1]` when there is nothing to count.
pub fn count_ticks(max: u32) -> Vec<u32> {
    let max = u64::from(max.max(1));
    let mut power = 1_u64;
    let step = loop {
        if let Some(step) = [1, 2, 5]
            .into_iter()
            .map(|m| m * power)
            .find(|step| max.div_ceil(*step) <= 5)
        {
            break step;
        }
        power *= 10;
    };
    (0..=max.div_ceil(step))
        .map(|n| u32::try_from(n * step).unwrap_or(u32::MAX))
        .collect()
}

/// Every how many slots an axis label fits, so that at most `most` of
/// `slots` labels are drawn.
pub fn label_every(slots: usize, most: usize) -> usize {
    slots.div_ceil(most.max(1)).max(1)
}

/// A coordinate as SVG text: at most one decimal, no trailing zero.
pub fn unit(value: f64) -> String {
    // `+ 0.0` turns a rounded -0 into 0.
    let rounded = (value * 10.0).round() / 10.0 + 0.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn counts_get_round_ticks() {
        assert_eq!(count_ticks(0), [0, 1], "an empty chart still has a scale");
        assert_eq!(count_ticks(1), [0, 1]);
        assert_eq!(count_ticks(3), [0, 1, 2, 3]);
        assert_eq!(count_ticks(5), [0, 1, 2, 3, 4, 5]);
        assert_eq!(count_ticks(6), [0, 2, 4, 6]);
        assert_eq!(count_ticks(11), [0, 5, 10, 15]);
        assert_eq!(count_ticks(48), [0, 10, 20, 30, 40, 50]);
        assert_eq!(count_ticks(1234), [0, 500, 1000, 1500]);
        assert_eq!(
            count_ticks(u32::MAX).last(),
            Some(&u32::MAX),
            "capped, not wrapped"
        );
    }

    #[test]
    fn values_map_onto_the_plot() {
        let f = FRAME;
        assert!(close(f.y_of(0.0, 4.0), f.baseline()));
        assert!(close(f.y_of(4.0, 4.0), f.top));
        assert!(close(f.y_of(9.0, 4.0), f.top), "clamped to the plot");
        assert!(close(f.y_of(3.0, 0.0), f.baseline()), "no scale, no height");
    }

    #[test]
    fn slots_share_the_plot_width() {
        let f = FRAME;
        assert!(close(f.edge_x(0, 7), f.left));
        assert!(close(f.edge_x(7, 7), f.width - f.right));
        let (x, width) = f.bar_x(0, 4);
        let slot = f.plot_width() / 4.0;
        assert!(close(x, f.left + slot * 0.1));
        assert!(close(width, slot * 0.8));
        assert!(close(f.mid_x(0, 4), f.left + slot / 2.0));
        let (_, lone) = f.bar_x(0, 0);
        assert!(close(lone, f.plot_width() * 0.8), "no slots counts as one");
    }

    #[test]
    fn stacked_parts_sit_on_each_other() {
        let f = FRAME;
        let [approved, rejected] = stacked_bar(&f, 1, 3, &[3, 1], 4)[..] else {
            panic!("two parts");
        };
        assert!(close(approved.y + approved.height, f.baseline()));
        assert!(close(approved.height, f.plot_height() * 0.75));
        assert!(close(rejected.y + rejected.height, approved.y));
        assert!(close(rejected.y, f.top));
        assert!(close(approved.x, rejected.x));
        let empty = stacked_bar(&f, 0, 1, &[0, 0], 1);
        assert!(empty.iter().all(|r| r.height == 0.0));
    }

    #[test]
    fn labels_thin_out_on_long_axes() {
        assert_eq!(label_every(7, 7), 1);
        assert_eq!(label_every(30, 6), 5);
        assert_eq!(label_every(90, 6), 15);
        assert_eq!(label_every(1, 0), 1);
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(unit(12.0), "12");
        assert_eq!(unit(12.345), "12.3");
        assert_eq!(unit(-0.04), "0");
    }
}
