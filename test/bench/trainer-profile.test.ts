import { describe, expect, it } from 'vitest';
import { run } from '../../bench/trainer-profile.js';

describe('trainer --profile flags', () => {
  it('refuses a bad value by the flag name before any work', async () => {
    await expect(run(['--profile', '--steps', '0'])).rejects.toThrow(
      '--steps needs an integer of at least 1',
    );
    await expect(run(['--profile', '--threads', 'two'])).rejects.toThrow(
      '--threads needs an integer of at least 1',
    );
    await expect(run(['--profile', '--arch', '-1'])).rejects.toThrow('--arch needs an integer of at least 0');
    await expect(run(['--profile', '--arch', '1.5'])).rejects.toThrow(
      '--arch needs an integer of at least 0',
    );
  });
});
