import { describe, expect, it } from 'vitest';
import { trialDaysLeft } from './users.service.js';

const DAY = 86_400_000;
describe('trialDaysLeft', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  it('counts started days, never below zero', () => {
    expect(trialDaysLeft(new Date(now + 7 * DAY), now)).toBe(7);
    expect(trialDaysLeft(new Date(now + 6 * DAY + 1), now)).toBe(7);
    expect(trialDaysLeft(new Date(now + 1), now)).toBe(1);
    expect(trialDaysLeft(new Date(now - DAY), now)).toBe(0);
    expect(trialDaysLeft(null, now)).toBeNull();
  });
});
