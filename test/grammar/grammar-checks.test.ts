// The shared lexer and parser skip Chevrotain's definition checks to start faster; run them here.
import { describe, expect, it } from 'vitest';
import { createLexer } from '../../grammar/lexer.js';
import { SslParser } from '../../grammar/parser.js';

describe('grammar definition', () => {
  it('passes the lexer checks', () => {
    const lexer = createLexer(true);
    expect(lexer.lexerDefinitionErrors).toEqual([]);
  });

  it('passes the parser checks (no ambiguity, no left recursion)', () => {
    expect(() => new SslParser({ validate: true })).not.toThrow();
  });
});
