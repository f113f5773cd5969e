import { describe, expect, it } from 'vitest';
import { containerActionsFor, parseEnv } from '../use-container-display';

describe('container display rules', () => {
  it('reads KEY=value lines and refuses anything else', () => {
    expect(parseEnv('A=1\n\n  B_2=x=y  \n')).toEqual({ A: '1', B_2: 'x=y' });
    expect(parseEnv('')).toEqual({});
    expect(parseEnv('not a pair')).toBeNull();
    expect(parseEnv('1A=x')).toBeNull();
  });

  it('offers only what the server accepts in each state', () => {
    expect(containerActionsFor('running')).toEqual({ start: false, stop: true, restart: true, remove: true });
    expect(containerActionsFor('stopped')).toEqual({ start: true, stop: false, restart: true, remove: true });
    expect(containerActionsFor('creating')).toEqual({ start: false, stop: false, restart: false, remove: false });
  });
});
