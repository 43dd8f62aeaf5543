/**
 * A 2-D array of numbers ([rows, cols], e.g. scores [N, K]) in either of the two shapes that
 * tfjs hands out: rows (`tensor.arraySync()`, number[][], or one typed array per row), or one
 * flat row-major buffer with its shape (`{ data: tensor.dataSync(), rows, cols }`).
 */
export type Matrix = ReadonlyArray<ArrayLike<number>> | FlatMatrix;

/** A row-major matrix: element (i, j) is `data[i * cols + j]`. */
export interface FlatMatrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Wraps a flat row-major buffer (e.g. `tensor.dataSync()`) as a Matrix, checking its size. */
export function flatMatrix(data: ArrayLike<number>, rows: number, cols: number): FlatMatrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new Error(`flatMatrix: rows and cols must be integers ≥ 0, got ${rows} × ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new Error(
      `flatMatrix: data has length ${data.length}, expected rows × cols = ${rows} × ${cols} = ${rows * cols}`,
    );
  }
  return { data, rows, cols };
}

function isFlat(m: Matrix): m is FlatMatrix {
  return !Array.isArray(m);
}

/**
 * Reads a Matrix into a flat row-major view (internal). Rows of unequal length are an error; an
 * empty list of rows is a 0 × 0 matrix.
 */
export function readMatrix(what: string, name: string, m: Matrix): FlatMatrix {
  if (isFlat(m)) {
    if (m.data.length !== m.rows * m.cols) {
      throw new Error(`${what}: ${name} has ${m.data.length} values, expected rows × cols = ${m.rows} × ${m.cols}`);
    }
    return m;
  }
  const rows = m.length;
  const cols = rows === 0 ? 0 : m[0]!.length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = m[i]!;
    if (row.length !== cols) throw new Error(`${what}: ${name} row ${i} has ${row.length} values, row 0 has ${cols}`);
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
  }
  return { data, rows, cols };
}
