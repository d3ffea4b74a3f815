//! egui drawn for less per pixel: bevy_egui's shader with cheap colour conversions, and egui's
//! textures sampled nearest.
//!
//! bevy_egui multiplies colours in gamma space, as egui wants, so every egui fragment turns the
//! sampled (linear) texel back into gamma and the product into linear again: two `pow` per
//! channel. On a software renderer (lavapipe under Xvfb, a machine without a GPU) that made the
//! panels cost as much as the whole picture. The replacement shader (`egui_fast.wgsl`, behind
//! bevy_egui's own shader handle) computes both conversions by polynomials within a quarter of
//! an 8-bit level of the exact curves (see the tests below), so the panels look the same.
//!
//! egui's only texture here is its font atlas (the panels show no images), which egui draws
//! texel for pixel at every zoom: a nearest sample reads the texel a bilinear one would, for
//! one fetch instead of four.

use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::shader::Shader;
use bevy_egui::EguiManagedTextures;

pub struct EguiShaderPlugin;

impl Plugin for EguiShaderPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Last, sample_egui_textures_nearest);
        let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
        let _ = shaders.insert(
            bevy_egui::render::EGUI_SHADER_HANDLE.id(),
            Shader::from_wgsl(SHADER, "docknet/egui_fast.wgsl"),
        );
    }
}

const SHADER: &str = include_str!("egui_fast.wgsl");

/// Switches each egui texture to a nearest sampler once, after bevy_egui (re)creates it.
fn sample_egui_textures_nearest(
    managed: Option<Res<EguiManagedTextures>>,
    mut images: ResMut<Assets<Image>>,
) {
    let Some(managed) = managed else { return };
    for texture in managed.0.values() {
        let nearest = images.get(&texture.handle).is_some_and(|i| {
            matches!(&i.sampler, ImageSampler::Descriptor(d)
                if d.mag_filter == bevy::image::ImageFilterMode::Nearest
                    && d.min_filter == bevy::image::ImageFilterMode::Nearest)
        });
        if !nearest && let Some(mut image) = images.get_mut(&texture.handle) {
            image.sampler = ImageSampler::nearest();
        }
    }
}

#[cfg(test)]
mod tests {
    //! The shader's two polynomials, evaluated here as the shader does (f32), against the exact
    //! sRGB curves: within a quarter of an 8-bit level everywhere on [0, 1].

    fn linear_from_gamma_exact(x: f64) -> f64 {
        if x < 0.04045 {
            x / 12.92
        } else {
            ((x + 0.055) / 1.055).powf(2.4)
        }
    }

    fn gamma_from_linear_exact(x: f64) -> f64 {
        if x < 0.0031308 {
            x * 12.92
        } else {
            1.055 * x.powf(1.0 / 2.4) - 0.055
        }
    }

    /// The coefficients as written in `egui_fast.wgsl`, read from its text.
    fn coefficients(function: &str) -> Vec<f32> {
        let src = super::SHADER;
        let body = &src[src.find(&format!("fn {function}")).unwrap()..];
        let body = &body[..body.find("return").unwrap()];
        let poly = &body[body.find("let p =").unwrap()..];
        poly.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|t| t.contains('.'))
            .map(|t| t.trim_start_matches('-').parse().unwrap())
            .collect()
    }

    #[test]
    fn the_fast_conversions_stay_within_a_quarter_level_of_srgb() {
        let l = coefficients("linear_from_gamma_rgb");
        let g = coefficients("gamma_from_linear_rgb");
        assert_eq!((l.len(), g.len()), (6, 5), "{l:?} {g:?}");
        // Signs as in the shader: l = ((((a x - b) x + c) x + d) x + e) x + f;
        // g = (((a q - b) q + c) q + d) q - e.
        let lin = |x: f32| {
            let p = ((((l[0] * x - l[1]) * x + l[2]) * x + l[3]) * x + l[4]) * x + l[5];
            if x < 0.04045 { x / 12.92 } else { p }
        };
        let gam = |x: f32| {
            let q = x.sqrt().sqrt();
            let p = (((g[0] * q - g[1]) * q + g[2]) * q + g[3]) * q - g[4];
            if x < 0.0031308 { x * 12.92 } else { p }
        };
        let mut worst = (0.0f64, 0.0f64);
        for i in 0..=100_000 {
            let x = i as f64 / 100_000.0;
            // Compare in 8-bit levels of the gamma-encoded result the screen shows.
            let e_lin = (gamma_from_linear_exact(lin(x as f32) as f64)
                - gamma_from_linear_exact(linear_from_gamma_exact(x)))
            .abs()
                * 255.0;
            let e_gam = (gam(x as f32) as f64 - gamma_from_linear_exact(x)).abs() * 255.0;
            worst = (worst.0.max(e_lin), worst.1.max(e_gam));
        }
        assert!(
            worst.0 < 0.25 && worst.1 < 0.25,
            "worst errors in levels: {worst:?}"
        );
    }
}
