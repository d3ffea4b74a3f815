//! Flat-coloured sprites (boxes, stations, outlines, cables, ports, cards) drawn from a white
//! pixel sampled *nearest*.
//!
//! `Sprite::from_color` samples Bevy's default white image through the default (bilinear)
//! sampler: four texel fetches and sRGB decodes per pixel for a colour that never varies. A
//! software renderer (lavapipe, the Xvfb screenshots, a machine without a GPU) pays that for
//! every pixel of every box; this pixel costs one fetch, and looks the same.

use bevy::asset::{RenderAssetUsages, uuid_handle};
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

/// The white pixel every flat sprite samples.
pub const WHITE_PIXEL: Handle<Image> = uuid_handle!("6f0d3b8e-2c1a-4f57-9a5e-0d7c4b1e9a21");

/// A `size` rectangle of `color` (what `Sprite::from_color` draws, sampled nearest).
pub fn flat(color: Color, size: Vec2) -> Sprite {
    Sprite {
        image: WHITE_PIXEL,
        color,
        custom_size: Some(size),
        ..default()
    }
}

/// Puts the white pixel in the image assets (only where there are any: not in headless tests,
/// which draw nothing).
pub struct FlatPlugin;

impl Plugin for FlatPlugin {
    fn build(&self, app: &mut App) {
        let Some(mut images) = app.world_mut().get_resource_mut::<Assets<Image>>() else {
            return;
        };
        let mut pixel = Image::new_fill(
            Extent3d::default(),
            TextureDimension::D2,
            &[255, 255, 255, 255],
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::RENDER_WORLD,
        );
        pixel.sampler = ImageSampler::nearest();
        let _ = images.insert(WHITE_PIXEL.id(), pixel);
    }
}
