//! Text in the picture: the font's metrics, the sizes each kind of label is drawn at, and
//! label rectangles, so the layout can place text without overlaps and tests can prove it.
//!
//! The picture uses one monospace font (Hack, `assets/fonts/Hack-Regular.ttf`), whose advance
//! is 1233/2048 of the size: a label's width is its character count times that.

use crate::layout::Rect;

/// Hack's advance width per pixel of font size.
pub const ADVANCE: f32 = 1233.0 / 2048.0;
/// Line height per pixel of font size (Bevy's default line height).
pub const LINE: f32 = 1.2;

/// What a piece of text in the picture is; decides its size and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelKind {
    /// A namespace's name.
    Title,
    /// `host`, `container`, `VM` under the title.
    Role,
    /// A note inside a box (`runs app (--network host)`).
    Note,
    /// An interface's name and address.
    Port,
    /// An interface's MAC (shown with `M`).
    Mac,
    /// A bridge's name and address.
    Bridge,
    /// What a bridge port has learned (`learned 3e:4d:..`).
    Fdb,
    /// A netfilter hook station's name.
    Station,
    /// A table tag at a station.
    Table,
    /// The rule line under the stations.
    Rule,
    /// The conntrack table's lines.
    Conntrack,
    /// A user-space process (Docker Desktop's forwarder).
    Process,
    /// A box's icon (an image, not text, but it takes room like one).
    Icon,
    /// A packet's header card.
    Packet,
}

impl LabelKind {
    /// The font size, in world units (pixels at zoom 1).
    pub fn px(self) -> f32 {
        match self {
            LabelKind::Title => 22.0,
            LabelKind::Role | LabelKind::Mac | LabelKind::Fdb => 13.0,
            LabelKind::Note | LabelKind::Port | LabelKind::Bridge => 15.0,
            LabelKind::Station => 14.0,
            LabelKind::Table => 12.0,
            LabelKind::Rule | LabelKind::Process => 13.0,
            LabelKind::Conntrack => 12.0,
            LabelKind::Icon => 28.0,
            LabelKind::Packet => 16.0,
        }
    }
}

/// The smallest text height, in pixels, the fitted picture may show at 1280x720 (and that
/// times 1.5 at 1920x1080).
pub const MIN_READABLE_PX: f32 = 7.0;

/// What the panels take by default: the top bar (lesson, transport), the caption line under
/// the picture, and the detail panel on the right (narrower on small windows).
pub const TOP_BAR: f32 = 64.0;
pub const CAPTION_BAR: f32 = 44.0;

/// The right panel's default width (in the panels' points) for a window `width` points wide.
pub fn detail_panel_width(width: f32) -> f32 {
    (width * 0.2).clamp(250.0, 440.0)
}

/// How much the panels' type grows with the window: 1 at 1280 pixels wide, 1.5 at 1920, so
/// a big screen or a projector gets bigger text rather than more of it.
pub fn ui_zoom(window_width: f32) -> f32 {
    (window_width / 1280.0).clamp(1.0, 2.0)
}

/// The picture's viewport (logical pixels) in a window of `size` with the default panels
/// open, or in presentation mode (only the transport controls and the caption).
pub fn picture_viewport(size: (f32, f32), presentation: bool) -> (f32, f32) {
    let (w, h) = size;
    let z = ui_zoom(w);
    if presentation {
        (w, h - z * (TOP_BAR * 1.2 + CAPTION_BAR * 1.6))
    } else {
        (
            w - z * detail_panel_width(w / z),
            h - z * (TOP_BAR + CAPTION_BAR),
        )
    }
}

/// A piece of text in the picture: what it says and the rectangle it takes (top-left anchored).
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub kind: LabelKind,
    pub text: String,
    pub rect: Rect,
    /// The namespace it belongs to.
    pub ns: String,
}

/// The size of `text` (lines split at `\n`) at `px`.
pub fn text_size(text: &str, px: f32) -> (f32, f32) {
    let lines = text.lines().count().max(1);
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest as f32 * ADVANCE * px, lines as f32 * LINE * px)
}

/// The rectangle of `text` drawn at `px` with its top-left corner at `(x, y)`.
pub fn rect_at(x: f32, y: f32, text: &str, px: f32) -> Rect {
    let (w, h) = text_size(text, px);
    Rect { x, y, w, h }
}

/// `text` broken at spaces into at most `lines` lines of at most `width` characters (the
/// last one cut with `…` when it does not fit).
pub fn wrap(text: &str, width: usize, lines: usize) -> String {
    let mut out: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let cur = out.last_mut().expect("one line");
        if cur.chars().count() + word.chars().count() + usize::from(!cur.is_empty()) <= width
            || cur.is_empty()
        {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        } else {
            out.push(word.to_string());
        }
    }
    let cut = |l: &str| {
        if l.chars().count() > width {
            let mut s: String = l.chars().take(width.saturating_sub(1)).collect();
            s.push('…');
            s
        } else {
            l.to_string()
        }
    };
    if out.len() > lines {
        let rest = out[lines - 1..].join(" ");
        out.truncate(lines - 1);
        out.push(rest);
    }
    out.iter().map(|l| cut(l)).collect::<Vec<_>>().join("\n")
}

/// The first pair of labels whose rectangles overlap, if any.
pub fn first_overlap(labels: &[Label]) -> Option<(&Label, &Label)> {
    labels.iter().enumerate().find_map(|(i, a)| {
        labels[i + 1..]
            .iter()
            .find(|b| a.rect.intersects(&b.rect))
            .map(|b| (a, b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_monospace_advance() {
        let (w, h) = text_size("eth0 172.17.0.2/16", 15.0);
        assert!((w - 18.0 * ADVANCE * 15.0).abs() < 1e-3);
        assert!((h - 18.0).abs() < 1e-3);
        assert_eq!(text_size("ab\nabcd", 10.0).1, 24.0);
    }

    #[test]
    fn wrapping_keeps_words_and_cuts_the_last_line() {
        assert_eq!(wrap("aa bb cc", 5, 2), "aa bb\ncc");
        assert_eq!(wrap("aa bb cc ddd", 5, 2), "aa bb\ncc d…");
        assert_eq!(wrap("short", 20, 2), "short");
    }

    #[test]
    fn overlap_is_found_and_touching_is_not_overlap() {
        let l = |x: f32| Label {
            kind: LabelKind::Port,
            text: "x".into(),
            rect: Rect {
                x,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            ns: "n".into(),
        };
        assert!(first_overlap(&[l(0.0), l(10.0)]).is_none());
        assert!(first_overlap(&[l(0.0), l(20.0), l(5.0)]).is_some());
    }
}
