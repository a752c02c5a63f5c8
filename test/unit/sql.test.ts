import assert from 'node:assert/strict';
import { sql, sqlFragment } from '../../persistence/sql';

describe('sql statements', () => {
  it('binds every interpolation as a parameter, never as text', () => {
    const s = sql`SELECT * FROM t WHERE a = ${"x'; DROP TABLE t; --"} AND b = ${2}`;
    assert.deepEqual(s, { text: 'SELECT * FROM t WHERE a = $1 AND b = $2', values: ["x'; DROP TABLE t; --", 2] });
  });

  it('splices a fragment as SQL, its parameters renumbered after those before it', () => {
    const row = sqlFragment`INSERT INTO a (x, y) VALUES (${'x1'}, ${'y1'})`;
    const s = sql`WITH ${sqlFragment`ins AS (${row}),`} upd AS (SELECT ${1}) UPDATE b SET z = ${'z1'} WHERE id = ${'id1'}`;
    assert.equal(s.text, 'WITH ins AS (INSERT INTO a (x, y) VALUES ($1, $2)), upd AS (SELECT $3) UPDATE b SET z = $4 WHERE id = $5');
    assert.deepEqual(s.values, ['x1', 'y1', 1, 'z1', 'id1']);
  });

  it('renumbers a fragment that follows parameters, and takes an empty fragment as nothing', () => {
    const s = sql`SELECT ${'a'}, ${sqlFragment`${'b'} || ${'c'}`}${sqlFragment``}`;
    assert.deepEqual(s, { text: 'SELECT $1, $2 || $3', values: ['a', 'b', 'c'] });
  });

  it("refuses a piece whose own SQL holds '$', which splicing would renumber", () => {
    assert.throws(() => sqlFragment`SELECT 'costs $1' || ${'x'}`, /may not hold '\$'/);
    assert.throws(() => sqlFragment`DO $$ BEGIN END $$`, /may not hold '\$'/);
  });
});
