// A 2-D map of the corpus: the top two principal components of the documents' LSA vectors (PCA of the
// already-reduced space, so a 256 x 256 eigenproblem, not another SVD of the term matrix).
import { gramColumns, symmetricEigen } from "./lsa";

export interface MapPoint { doc: number; x: number; y: number }

/**
 * Projects `rows` vectors of width `dim` (row-major) onto their top-2 principal axes. Rows flagged in `skip`
 * (e.g. empty documents) take no part and are left out. Axis signs are fixed (largest |loading| positive) so
 * the map is the same on every run.
 */
export function principalMap(vectors: Float32Array, dim: number, skip?: Uint8Array): MapPoint[] {
    const rows = vectors.length / dim;
    if (!Number.isInteger(rows)) throw new Error(`principalMap: ${vectors.length} values is not a multiple of dim ${dim}`);
    const keep: number[] = [];
    for (let i = 0; i < rows; i++) if (!skip?.[i]) keep.push(i);
    if (keep.length < 3) throw new Error(`principalMap: need at least 3 documents, got ${keep.length}`);
    const mean = new Float64Array(dim);
    for (const i of keep) for (let j = 0; j < dim; j++) mean[j] += vectors[i * dim + j];
    for (let j = 0; j < dim; j++) mean[j] /= keep.length;
    const centred = new Float64Array(keep.length * dim);
    keep.forEach((i, r) => { for (let j = 0; j < dim; j++) centred[r * dim + j] = vectors[i * dim + j] - mean[j]; });
    const { vectors: axes } = symmetricEigen(gramColumns(centred, keep.length, dim), dim);
    const axis = (c: number) => {
        const a = Float64Array.from({ length: dim }, (_, j) => axes[j * dim + c]);
        let big = 0;
        for (let j = 1; j < dim; j++) if (Math.abs(a[j]) > Math.abs(a[big])) big = j;
        if (a[big] < 0) for (let j = 0; j < dim; j++) a[j] = -a[j];
        return a;
    };
    const [ax, ay] = [axis(0), axis(1)];
    return keep.map((doc, r) => {
        let x = 0, y = 0;
        for (let j = 0; j < dim; j++) { x += centred[r * dim + j] * ax[j]; y += centred[r * dim + j] * ay[j]; }
        return { doc, x, y };
    });
}
