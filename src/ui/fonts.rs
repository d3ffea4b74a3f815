//! egui's fonts: Hack for everything (monospace suits addresses and rules) and the small
//! emoji-icon font for the transport buttons. egui's default set adds Ubuntu-Light and a
//! 420 kB emoji font, which the browser build cannot afford within its size budget.

use bevy_egui::egui::{self, FontData, FontDefinitions, FontFamily, FontTweak};
use std::sync::Arc;

pub fn definitions() -> FontDefinitions {
    let mut fonts = FontDefinitions::empty();
    fonts.font_data.insert(
        "Hack".into(),
        Arc::new(FontData::from_static(epaint_default_fonts::HACK_REGULAR)),
    );
    fonts.font_data.insert(
        "emoji-icon-font".into(),
        Arc::new(
            FontData::from_static(epaint_default_fonts::EMOJI_ICON).tweak(FontTweak {
                scale: 0.90,
                ..Default::default()
            }),
        ),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .insert(family, vec!["Hack".into(), "emoji-icon-font".into()]);
    }
    fonts
}

/// Install the fonts; they apply from the next pass, so the caller skips drawing this one.
pub fn install(ctx: &egui::Context) {
    ctx.set_fonts(definitions());
}
