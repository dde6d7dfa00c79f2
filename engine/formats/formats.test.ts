// The weight formats' float64 references against hand-made blocks (values worked out from ggml's block
// definitions, independently of the reference code), and their quantizers against the references.
import { describe, expect, it } from 'vitest';
import { rng, testSeed } from '../../tests/gpu.ts';
import { bodyBytes, dequantizeMatrix, firstNonFiniteScale, gpuBytes, splitBlocks, type WeightFormat } from './format.ts';
import { FORMATS, QUANTIZED, formatByName, formatOfGgmlType } from './registry.ts';
import { ggmlType } from '../model/ggml-types.ts';

const half = (v: number) => ({ 0.25: [0x00, 0x34], 0.5: [0x00, 0x38], 1: [0x00, 0x3c] })[v as 0.25 | 0.5 | 1]!;

function block(f: WeightFormat, set: (b: Uint8Array) => void): Float64Array {
  const b = new Uint8Array(f.blockBytes);
  set(b);
  return dequantizeMatrix(f, b, 1, f.blockSize);
}

describe('dequantization references on hand-made blocks', () => {
  it('Q8_0: w = d·qs (i8)', () => {
    const w = block(FORMATS.q8_0, (b) => {
      b.set(half(0.25), 0);
      b[2] = 0xfd; // −3
      b[33] = 127;
    });
    expect([w[0], w[1], w[31]]).toEqual([-0.75, 0, 31.75]);
  });

  it('Q4_0: low nibbles are weights 0..15, high nibbles 16..31, w = d·(q − 8)', () => {
    const w = block(FORMATS.q4_0, (b) => {
      b.set(half(0.5), 0);
      b[2] = 0x9a;
      b[17] = 0x0f;
    });
    expect([w[0], w[16], w[15], w[31], w[1]]).toEqual([1, 0.5, 3.5, -4, -4]);
  });

  const kHead = (b: Uint8Array) => {
    b.set(half(1), 0); // d
    b.set(half(0.5), 2); // dmin
    b[4 + 0] = 3; // sub-block 0: scale 3
    b[4 + 4] = 2; //              min 2
    // sub-block 5: scale = (q9 & 15) | (q1 >> 6) << 4 = 1 | 16, min = (q9 >> 4) | (q5 >> 6) << 4 = 2 | 32
    b[4 + 9] = 0x21;
    b[4 + 1] = 0x40;
    b[4 + 5] = 0x80;
  };

  it('Q4_K: 6-bit scales/mins of sub-blocks 0 and 5, nibble halves', () => {
    const w = block(FORMATS.q4_k, (b) => {
      kHead(b);
      b[16 + 0] = 0x05; // weight 0 (sub-block 0, low nibble)
      b[16 + 64 + 3] = 0x70; // weight 163 (sub-block 5 = high nibbles of bytes 64..95) = 7
    });
    expect(w[0]).toBe(3 * 5 - 0.5 * 2);
    expect(w[1]).toBe(-1);
    expect(w[163]).toBe(17 * 7 - 0.5 * 34);
    expect(w[131]).toBe(0); // sub-block 4: scale 0, min 0
  });

  it('Q5_K: as Q4_K plus the 5th bit from qh', () => {
    const w = block(FORMATS.q5_k, (b) => {
      kHead(b);
      b[16 + 0] = 0x01; // qh[0] bit 0 → weight 0 (sub-block 0)
      b[16 + 3] = 1 << 5; // qh[3] bit 5 → weight 3 of sub-block 5 = 163
      b[48 + 0] = 0x05;
      b[48 + 64 + 3] = 0x70;
    });
    expect(w[0]).toBe(3 * (5 + 16) - 1);
    expect(w[163]).toBe(17 * (7 + 16) - 17);
    expect(w[32 + 3]).toBe(0); // sub-block 1: scale q1 & 63 = 0, min q5 & 63 = 0
  });

  it('Q6_K: ql/qh quarters, i8 scales per 16, d last', () => {
    const w = block(FORMATS.q6_k, (b) => {
      b.set(half(0.5), 208);
      b[0] = 0x07; // weight 0: low 4 bits 7
      b[128] = 0x02; //          high 2 bits 2 → q = 39
      b[192] = 2; //             scale 0
      // weight 244 = half 1, quarter 3, l = 20: high nibble of ql[64 + 32 + 20], bits 6..7 of qh[32 + 20], scale 8 + 1 + 6
      b[116] = 0xa0;
      b[128 + 52] = 0xc0;
      b[192 + 15] = 0xfd; // −3
    });
    expect(w[0]).toBe(0.5 * 2 * (39 - 32));
    expect(w[244]).toBe(0.5 * -3 * (10 + 48 - 32));
    expect(w[1]).toBe(0.5 * 2 * -32);
  });
});

describe('registry', () => {
  it('block sizes and bytes agree with the GGUF type table, and lookups work', () => {
    for (const f of Object.values(FORMATS)) {
      const t = ggmlType(f.ggmlType)!;
      expect([t.name, t.blockSize, t.typeSize]).toEqual([f.ggmlName, f.blockSize, f.blockBytes]);
      if (f.wgsl) expect(bodyBytes(f) % 4, `${f.name}: body must be whole words`).toBe(0);
      expect(formatByName(f.ggmlName)).toBe(f);
    }
    for (const f of QUANTIZED) expect(formatOfGgmlType(f.ggmlType)).toBe(f);
    expect(formatOfGgmlType(3 /* Q4_1 */)).toBeUndefined();
    expect(formatOfGgmlType(0 /* F32 is dense: converted to the device's type */)).toBeUndefined();
  });

  it('splitBlocks moves d out of Q4_0/Q8_0/Q6_K blocks and keeps every other byte in order', () => {
    const seed = testSeed();
    const r = rng(seed);
    for (const f of [FORMATS.q4_0, FORMATS.q8_0, FORMATS.q6_k, FORMATS.q4_k]) {
      const n = 5;
      const src = Uint8Array.from({ length: n * f.blockBytes }, () => r.int(256));
      const { body, d } = splitBlocks(f, src, n);
      expect(body.length + (d ? 2 * n : 0)).toBe(n * f.blockBytes);
      expect(gpuBytes(f, n)).toBe(f.splitD === undefined ? n * f.blockBytes : n * bodyBytes(f) + Math.ceil((2 * n) / 4) * 4);
      // Reassemble and compare.
      const back = new Uint8Array(n * f.blockBytes);
      for (let b = 0; b < n; b++) {
        const at = f.splitD ?? f.blockBytes;
        const bb = bodyBytes(f);
        back.set(body.subarray(b * bb, b * bb + at), b * f.blockBytes);
        if (d) {
          back[b * f.blockBytes + at] = d[b]! & 0xff;
          back[b * f.blockBytes + at + 1] = d[b]! >> 8;
          back.set(body.subarray(b * bb + at, (b + 1) * bb), b * f.blockBytes + at + 2);
        }
      }
      expect(back, `${f.name} seed ${seed}`).toEqual(src);
    }
  });
});

describe('firstNonFiniteScale', () => {
  it('finds the first block whose f16 scale fields are NaN or ±Inf, and only those', () => {
    for (const f of QUANTIZED) {
      const blocks = f.quantize(Float64Array.from({ length: 4 * f.blockSize }, (_, i) => Math.sin(i)));
      expect(firstNonFiniteScale(f, blocks, 4), f.name).toBe(-1);
      for (const [bits, want] of [[0x7bff, -1], [0x7c00, 2], [0xfe00, 2], [0x0001, -1]] as const) {
        const b = blocks.slice();
        const at = 2 * f.blockBytes + f.halfFields[f.halfFields.length - 1]!;
        b[at] = bits & 0xff;
        b[at + 1] = bits >> 8;
        expect(firstNonFiniteScale(f, b, 4), `${f.name} ${bits.toString(16)}`).toBe(want);
      }
    }
  });
});

describe('quantizers (simple scales) against the references', () => {
  // Relative RMS error of quantize → dequantize on uniform data: a uniform quantizer with step Δ has
  // RMS error Δ/√12. Bounds ≈ 1.5× that estimate per format (Q8_0: Δ = 2·amax/254, Q6_K: amax/31 per 16,
  // Q5_K: range/31 per 32, Q4_K: range/15 per 32, Q4_0: 2·amax/15 per 32; plus 6-bit scale rounding).
  const BOUND: Record<string, number> = { q8_0: 0.007, q6_k: 0.025, q5_k: 0.05, q4_k: 0.1, q4_0: 0.1 };
  for (const f of QUANTIZED) {
    it(`${f.ggmlName}: relative RMS error < ${BOUND[f.name]}, zeros stay zero, scale-free`, () => {
      const seed = testSeed();
      const r = rng(seed);
      const n = 8 * 256;
      const x = Float64Array.from({ length: n }, () => r.uniform(1) * (1 + 3 * r.next()));
      const q = f.quantize(x);
      expect(q.length).toBe((n / f.blockSize) * f.blockBytes);
      const y = dequantizeMatrix(f, q, 1, n);
      let se = 0;
      let ss = 0;
      for (let i = 0; i < n; i++) {
        se += (y[i]! - x[i]!) ** 2;
        ss += x[i]! ** 2;
      }
      const rel = Math.sqrt(se / ss);
      expect(rel, `${f.name} seed ${seed}`).toBeLessThan(BOUND[f.name]!);
      expect(rel, `${f.name}: suspiciously exact`).toBeGreaterThan(BOUND[f.name]! / 30);
      expect([...dequantizeMatrix(f, f.quantize(new Float64Array(f.blockSize)), 1, f.blockSize)].every((v) => v === 0)).toBe(true);
      // Scaling the input by a power of two scales the output exactly (the f16 scales stay normal numbers).
      const big = dequantizeMatrix(f, f.quantize(x.map((v) => v * 4)), 1, n);
      for (let i = 0; i < n; i++) expect(big[i]!).toBe(y[i]! * 4);
    });
  }
});
