// bevy_egui's egui shader with its sRGB conversions computed by polynomials instead of pow()
// (see src/egui_shader.rs). Same bindings and entry points as bevy_egui 0.42's egui.wgsl,
// without its BINDLESS branch (off on the devices docknet runs on: WebGL2, lavapipe).

struct Transform {
    scale: vec2<f32>,
    translation: vec2<f32>,
}

struct VertexInput {
    @location(0) position: vec2<f32>,
    @location(1) uv: vec2<f32>,
    @location(2) color: vec4<f32>,
}

struct VertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) uv: vec2<f32>,
}

@group(0) @binding(0) var<uniform> transform: Transform;
@group(1) @binding(0) var image_texture: texture_2d<f32>;
@group(1) @binding(1) var image_sampler: sampler;

// 0-1 linear from 0-1 sRGB gamma: the linear segment, else a degree-5 fit of
// ((x + 0.055) / 1.055)^2.4 on [0.04045, 1].
fn linear_from_gamma_rgb(x: vec3<f32>) -> vec3<f32> {
    let p = ((((0.054461655 * x - 0.225668837) * x + 0.594966375) * x + 0.546498474) * x
        + 0.028678511) * x + 0.001096297;
    return select(p, x / 12.92, x < vec3<f32>(0.04045));
}

// 0-1 sRGB gamma from 0-1 linear: the linear segment, else a degree-4 fit of
// 1.055 x^(1/2.4) - 0.055 in q = x^(1/4) on [0.0031308, 1].
fn gamma_from_linear_rgb(x: vec3<f32>) -> vec3<f32> {
    let q = sqrt(sqrt(x));
    let p = (((0.065527502 * q - 0.293483041) * q + 1.082820371) * q + 0.211954009) * q
        - 0.066799206;
    return select(p, x * 12.92, x < vec3<f32>(0.0031308));
}

@vertex
fn vs_main(in: VertexInput) -> VertexOutput {
    let position = in.position * transform.scale + transform.translation;
    return VertexOutput(vec4<f32>(position, 0.0, 1.0), in.color, in.uv);
}

@fragment
fn fs_main(in: VertexOutput) -> @location(0) vec4<f32> {
    // As egui wants: colours multiplied in gamma space.
    let texture_linear = textureSample(image_texture, image_sampler, in.uv);
    let color_gamma = vec4<f32>(gamma_from_linear_rgb(texture_linear.rgb), texture_linear.a) * in.color;
    return vec4<f32>(linear_from_gamma_rgb(color_gamma.rgb), color_gamma.a);
}
