import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/core/suggest.js';

const COMMANDS = ['add', 'exec', 'export', 'list', 'remove', 'clear', 'login', 'rotate'];

describe('editDistance', () => {
  it('counts inserts, deletes and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('exec', 'exec')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('lst', 'list')).toBe(1);
    expect(editDistance('lisst', 'list')).toBe(1);
    expect(editDistance('lidt', 'list')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('exce', 'exec')).toBe(2);
  });
});

describe('closest', () => {
  it('finds typos', () => {
    expect(closest('lsit', COMMANDS)).toBe('list');
    expect(closest('exce', COMMANDS)).toBe('exec');
    expect(closest('remvoe', COMMANDS)).toBe('remove');
    expect(closest('rotat', COMMANDS)).toBe('rotate');
    expect(closest('duraton', ['duration', 'session-duration', 'debug'])).toBe('duration');
  });

  it('ignores case when measuring the distance', () => {
    expect(closest('EXEC', COMMANDS)).toBe('exec');
  });

  it('takes the nearest of several candidates', () => {
    expect(closest('exprt', COMMANDS)).toBe('export');
    expect(closest('ad', COMMANDS)).toBe('add');
  });

  it('ignores words too far from every candidate', () => {
    expect(closest('zzzz', COMMANDS)).toBeUndefined();
    expect(closest('terraform', COMMANDS)).toBeUndefined();
    expect(closest('x', ['exec'])).toBeUndefined();
    expect(closest('anything', [])).toBeUndefined();
  });

  it('suggests a candidate the word is a prefix of, however long the rest', () => {
    expect(closest('prod', ['staging', 'production-admin'])).toBe('production-admin');
    expect(closest('se', ['session-duration', 'debug'])).toBe('session-duration');
  });

  it('does not treat a single letter as a prefix', () => {
    expect(closest('p', ['production-admin'])).toBeUndefined();
  });
});

// Mutants left by `npm run mutate`: the bounds of "close enough" and ties.
describe('closest: bounds', () => {
  it('suggests at distance 3 exactly, not 4', () => {
    expect(closest('prodxyz', ['production', 'prod'])).toBe('prod');
    expect(closest('abcdefgh', ['abcdwxyz'])).toBeUndefined();
  });

  it('never suggests at a distance equal to the word length (every letter wrong)', () => {
    expect(closest('xyz', ['abc'])).toBeUndefined();
  });

  it('keeps the first of two equally close candidates', () => {
    expect(closest('tast', ['test', 'toast'])).toBe('test');
    expect(closest('tast', ['toast', 'test'])).toBe('toast');
  });
});
