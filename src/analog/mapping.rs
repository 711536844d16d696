//! How a layer's weight matrix is laid onto crossbar tiles, and what that costs per inference:
//! tiles, utilisation, reads, ADC conversions and a full-scale energy bound.
//!
//! A layer is `groups` blocks of `rows_per_group × cols_per_group` weights (im2col: a
//! convolution's block is `(k·k·C_in/groups) × (C_out/groups)`; a dense layer is one block).
//! - [`Mapping::Dense`]: the one block as it is (groups = 1).
//! - [`Mapping::BlockDiagonal`]: the blocks on the diagonal of a `(g·r) × (g·c)` matrix, the
//!   rest of the allocated tiles left empty (a depthwise convolution on a crossbar); one read
//!   per window drives every row.
//! - [`Mapping::TimeMultiplexed`]: the blocks stacked in the same `c` columns, `(g·r) × c`;
//!   each window takes `g` reads, each driving one block's rows (fewer cells, more reads).
//! - [`Mapping::Duplicated`]: `d` block-diagonal copies, one read computing `d` windows.
//!
//! Tiles are allocated where any weight lands. Each allocated tile converts its used columns
//! once per read (its partial sum goes through its own ADC before the digital sum).

use std::collections::BTreeSet;

use serde::Serialize;

use super::CrossbarConfig;
use crate::error::{NeuroError, Result};

/// A layout of a layer's blocks on the crossbar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mapping {
    /// One block (groups = 1), im2col.
    Dense,
    /// The groups' blocks on the diagonal.
    BlockDiagonal,
    /// The groups' blocks stacked in one column range, read one after another.
    TimeMultiplexed,
    /// `copies` block-diagonal copies of the whole layer, each fed a different window, so one
    /// read computes `copies` windows (more cells, fewer reads; inputs of overlapping windows
    /// are not shared between copies).
    Duplicated {
        /// Copies (at least 1).
        copies: usize,
    },
}

/// A layer as the mapper sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerGeometry {
    /// For reports.
    pub name: String,
    /// Weights per block along the rows (`k·k·C_in/groups`).
    pub rows_per_group: usize,
    /// Weights per block along the columns (`C_out/groups`).
    pub cols_per_group: usize,
    /// Blocks.
    pub groups: usize,
    /// Windows per inference (output pixels; 1 for a dense layer).
    pub windows: usize,
}

impl LayerGeometry {
    /// A fully connected layer.
    pub fn linear(name: &str, inputs: usize, outputs: usize) -> LayerGeometry {
        LayerGeometry { name: name.into(), rows_per_group: inputs, cols_per_group: outputs, groups: 1, windows: 1 }
    }

    /// A convolution with `groups` (C_in for depthwise) producing `output` pixels.
    pub fn conv(name: &str, in_channels: usize, out_channels: usize, kernel: [usize; 2], groups: usize, output: [usize; 2]) -> Result<LayerGeometry> {
        if groups == 0 || !in_channels.is_multiple_of(groups) || !out_channels.is_multiple_of(groups) {
            return Err(NeuroError::Range {
                argument: "groups",
                value: format!("{groups} for {in_channels} → {out_channels} channels"),
                expected: "a divisor of both channel counts".into(),
            });
        }
        Ok(LayerGeometry {
            name: name.into(),
            rows_per_group: kernel[0] * kernel[1] * in_channels / groups,
            cols_per_group: out_channels / groups,
            groups,
            windows: output[0] * output[1],
        })
    }
}

/// What one mapping of one layer costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TileStats {
    /// The layer.
    pub layer: String,
    /// The mapping.
    pub mapping: Mapping,
    /// Tile rows × columns.
    pub tile: [usize; 2],
    /// The mapped matrix's rows × columns.
    pub matrix: [usize; 2],
    /// Tiles holding at least one weight.
    pub tiles: usize,
    /// Cells holding a weight.
    pub weights: usize,
    /// `weights / (tiles · tile area)`.
    pub utilisation: f64,
    /// Crossbar reads per inference.
    pub reads: usize,
    /// ADC conversions per inference (used columns of every tile a read drives).
    pub adc_conversions: usize,
    /// Upper bound of the arrays' energy per inference, pJ: every cell on a driven row of an
    /// allocated tile at full-scale voltage for one integration time (a weight's pair at
    /// ½(g_min + g_max) + g_min, an empty pair at 2·g_min).
    pub array_energy_pj: f64,
    /// ADC energy per inference, pJ.
    pub adc_energy_pj: f64,
}

/// Maps `layer` with `mapping` onto `tile` (rows × columns) tiles of `config`'s devices.
pub fn map_layer(layer: &LayerGeometry, mapping: Mapping, tile: [usize; 2], config: &CrossbarConfig) -> Result<TileStats> {
    let [tr, tc] = tile;
    if tr == 0 || tc == 0 {
        return Err(NeuroError::Range { argument: "tile", value: format!("{tile:?}"), expected: "at least one row and one column".into() });
    }
    let (r, c, g) = (layer.rows_per_group, layer.cols_per_group, layer.groups);
    if r == 0 || c == 0 || g == 0 {
        return Err(NeuroError::Range { argument: "layer", value: format!("{layer:?}"), expected: "non-empty blocks".into() });
    }
    if mapping == Mapping::Dense && g != 1 {
        return Err(NeuroError::Range {
            argument: "mapping",
            value: format!("Dense for {} with {g} groups", layer.name),
            expected: "BlockDiagonal or TimeMultiplexed for a grouped layer".into(),
        });
    }
    // Each block's (first row, first column) in the mapped matrix; the reads one unit of work
    // takes, and the units per inference (a unit is one window, or `copies` of them).
    let diagonal = |blocks: usize| -> Vec<[usize; 2]> { (0..blocks).map(|b| [b * r, b * c]).collect() };
    let (origins, matrix, reads_per_unit, units): (Vec<[usize; 2]>, [usize; 2], usize, usize) = match mapping {
        Mapping::Dense => (vec![[0, 0]], [r, c], 1, layer.windows),
        Mapping::BlockDiagonal => (diagonal(g), [g * r, g * c], 1, layer.windows),
        Mapping::TimeMultiplexed => ((0..g).map(|b| [b * r, 0]).collect(), [g * r, c], g, layer.windows),
        Mapping::Duplicated { copies: 0 } => {
            return Err(NeuroError::Range { argument: "mapping", value: "0 copies".into(), expected: "at least one copy".into() });
        }
        Mapping::Duplicated { copies } => (diagonal(g * copies), [g * copies * r, g * copies * c], 1, layer.windows.div_ceil(copies)),
    };
    let tiles_of = |[row, col]: [usize; 2]| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for ti in row / tr..=(row + r - 1) / tr {
            for tj in col / tc..=(col + c - 1) / tc {
                out.push((ti, tj));
            }
        }
        out
    };
    let allocated: BTreeSet<(usize, usize)> = origins.iter().flat_map(|o| tiles_of(*o)).collect();
    // Columns a tile converts: those of its column range that a block in its row range uses.
    let used_columns = |(ti, tj): (usize, usize), blocks: &[[usize; 2]]| -> usize {
        let (rows, cols) = (ti * tr..(ti + 1) * tr, tj * tc..(tj + 1) * tc);
        let mut columns = BTreeSet::new();
        for [row, col] in blocks {
            if *row < rows.end && row + r > rows.start {
                for k in (*col).max(cols.start)..(col + c).min(cols.end) {
                    columns.insert(k);
                }
            }
        }
        columns.len()
    };
    let read_groups: Vec<Vec<[usize; 2]>> = match mapping {
        Mapping::TimeMultiplexed => origins.iter().map(|o| vec![*o]).collect(),
        _ => vec![origins.clone()],
    };
    let mut conversions_per_unit = 0;
    let mut driven_cells = 0usize;
    for blocks in &read_groups {
        let driven: BTreeSet<(usize, usize)> = blocks.iter().flat_map(|o| tiles_of(*o)).collect();
        for &t in &driven {
            conversions_per_unit += used_columns(t, blocks);
        }
        // Rows driven in this read × the allocated tiles' columns on those rows.
        for [row, _] in blocks {
            for k in *row..row + r {
                let ti = k / tr;
                driven_cells += allocated.iter().filter(|(i, _)| *i == ti).count() * tc;
            }
        }
    }
    let weights = origins.len() * r * c;
    // Per unit every weight's row is driven once (by the one read, or by its block's read).
    let weight_cells_driven = weights;
    let (g_min, g_max) = (f64::from(config.g_min), f64::from(config.g_max));
    let (weight_pair, empty_pair) = (0.5 * (g_min + g_max) + g_min, 2.0 * g_min);
    let volts = f64::from(config.read_voltage);
    let t_ns = f64::from(config.timing.integration_time) * 1e9;
    let empty_driven = driven_cells.saturating_sub(weight_cells_driven) as f64;
    // µS · V² = µW; µW · ns = 1e-3 pJ.
    let array_per_unit = (weight_cells_driven as f64 * weight_pair + empty_driven * empty_pair) * volts * volts * t_ns * 1e-3;
    let reads = units * reads_per_unit;
    let adc_conversions = units * conversions_per_unit;
    Ok(TileStats {
        layer: layer.name.clone(),
        mapping,
        tile,
        matrix,
        tiles: allocated.len(),
        weights,
        utilisation: weights as f64 / (allocated.len() * tr * tc) as f64,
        reads,
        adc_conversions,
        array_energy_pj: array_per_unit * units as f64,
        adc_energy_pj: adc_conversions as f64 * f64::from(config.timing.adc_energy),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CrossbarConfig {
        CrossbarConfig::new()
    }

    #[test]
    fn a_dense_layer_fills_its_tiles() {
        // 300 × 100 on 128 × 64 tiles: 3 × 2 tiles, 30,000 of 49,152 cells.
        let stats = map_layer(&LayerGeometry::linear("fc", 300, 100), Mapping::Dense, [128, 64], &config()).expect("maps");
        assert_eq!((stats.tiles, stats.weights, stats.reads), (6, 30_000, 1));
        assert!((stats.utilisation - 30_000.0 / 49_152.0).abs() < 1e-12);
        // Three row tiles each convert all 100 columns.
        assert_eq!(stats.adc_conversions, 300);
    }

    #[test]
    fn block_diagonal_wastes_cells_and_time_multiplexing_trades_them_for_reads() {
        // Depthwise 3×3 over 32 channels, 10×10 outputs: 32 blocks of 9 × 1.
        let layer = LayerGeometry::conv("dw", 32, 32, [3, 3], 32, [10, 10]).expect("valid");
        let diagonal = map_layer(&layer, Mapping::BlockDiagonal, [64, 64], &config()).expect("maps");
        // 288 × 32 matrix: 5 row tiles × 1 column tile, all touched; 288 weights in 5 · 4096 cells.
        assert_eq!((diagonal.matrix, diagonal.tiles, diagonal.weights), ([288, 32], 5, 288));
        assert!((diagonal.utilisation - 288.0 / (5.0 * 4096.0)).abs() < 1e-12);
        assert_eq!(diagonal.reads, 100);
        // Each column is converted once per read, by the one tile holding its block (a block
        // straddling two tiles costs both): blocks 7, 14, 21 and 28 straddle → 36 per window.
        assert_eq!(diagonal.adc_conversions, 100 * 36);
        let stacked = map_layer(&layer, Mapping::TimeMultiplexed, [64, 64], &config()).expect("maps");
        assert_eq!((stacked.matrix, stacked.tiles, stacked.reads), ([288, 1], 5, 3200));
        // Bigger tiles: fewer conversions, lower utilisation.
        let big = map_layer(&layer, Mapping::BlockDiagonal, [512, 512], &config()).expect("maps");
        assert_eq!((big.tiles, big.adc_conversions), (1, 100 * 32));
        assert!(big.utilisation < diagonal.utilisation);
        assert!(map_layer(&layer, Mapping::Dense, [64, 64], &config()).is_err(), "a grouped layer is not dense");
        // Four copies: 4 × 288 weights on a 1152 × 128 diagonal, a quarter of the reads.
        let copies = map_layer(&layer, Mapping::Duplicated { copies: 4 }, [64, 64], &config()).expect("maps");
        assert_eq!((copies.matrix, copies.weights, copies.reads), ([1152, 128], 1152, 25));
        assert!(copies.tiles > diagonal.tiles && copies.adc_conversions < diagonal.adc_conversions * 4);
        assert!(map_layer(&layer, Mapping::Duplicated { copies: 0 }, [64, 64], &config()).is_err());
        assert!(LayerGeometry::conv("bad", 6, 4, [3, 3], 4, [1, 1]).is_err());
    }
}
