//! Kernel parameter blocks, declared once: [`wgsl_params!`] emits the `#[repr(C)]` Rust struct
//! the launcher uploads and the WGSL struct the kernel reads, from the same field list, so the
//! two cannot drift apart (the naga tests still compare their layouts).

/// Declares a parameter block: a `#[repr(C)]` struct (add `#[derive(...)]` with `Pod` and
/// `Zeroable`) whose fields are all `u32`, `i32` or `f32`, plus `WGSL`, its WGSL declaration, and
/// `NAME`, the struct's name in both.
macro_rules! wgsl_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty ),*
        }

        impl $name {
            /// The name of the WGSL struct, as a kernel's params binding declares it.
            pub const NAME: &'static str = stringify!($name);

            /// The WGSL declaration of this block, rendered into the kernel by the launcher.
            pub const WGSL: &'static str = concat!(
                "// Rendered from the Rust struct `", stringify!($name), "` (src/kernels).\n",
                "struct ", stringify!($name), " {\n",
                $( "    ", stringify!($field), ": ", stringify!($ty), ",\n", )*
                "}\n"
            );
        }
    };
}

pub(crate) use wgsl_params;

#[cfg(test)]
mod tests {
    wgsl_params! {
        /// A block for the test.
        #[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
        pub struct ExampleParams {
            /// Count.
            pub count: u32,
            pub scale: f32,
        }
    }

    #[test]
    fn the_wgsl_twin_lists_the_same_fields_in_order() {
        assert!(ExampleParams::WGSL.contains("struct ExampleParams {\n    count: u32,\n    scale: f32,\n}\n"), "{}", ExampleParams::WGSL);
        assert_eq!(std::mem::size_of::<ExampleParams>(), 8);
        assert_eq!(ExampleParams::NAME, "ExampleParams");
    }
}
