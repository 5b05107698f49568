import { parseDevice } from '../src';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const SAFARI_IPAD =
  'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

describe('parseDevice', () => {
  test('desktop Chrome on Windows: DESKTOP, with the major versions of OS and browser', () => {
    expect(parseDevice(CHROME_WINDOWS)).toEqual({
      type: 'DESKTOP',
      os: 'Windows 10',
      browser: 'Chrome 120',
      name: undefined,
    });
  });

  test('Safari on an iPhone is a MOBILE device', () => {
    const device = parseDevice(SAFARI_IPHONE);
    expect(device.type).toBe('MOBILE');
    expect(device.os).toBe('iOS 17');
    expect(device.browser).toMatch(/Safari 17$/);
  });

  test('an iPad is a TABLET', () => {
    const device = parseDevice(SAFARI_IPAD);
    expect(device.type).toBe('TABLET');
    expect(device.os).toMatch(/^iOS/);
  });

  test.each([
    ['an empty agent', ''],
    ['no agent at all', undefined],
    ['curl', 'curl/8.0'],
  ])('%s is an OTHER device, without OS or browser', (_label, userAgent) => {
    expect(parseDevice(userAgent)).toEqual({ type: 'OTHER' });
  });

  test('the device name is trimmed', () => {
    expect(parseDevice(CHROME_WINDOWS, '  Work laptop \n').name).toBe('Work laptop');
  });

  test.each([
    ['blank', '   \t '],
    ['empty', ''],
    ['null', null],
    ['missing', undefined],
  ])('a %s name is no name', (_label, name) => {
    const device = parseDevice(CHROME_WINDOWS, name);
    expect(device.name).toBeUndefined();
    expect(device.type).toBe('DESKTOP');
  });

  test('names longer than 100 characters are cut to 100 (after trimming)', () => {
    const long = 'x'.repeat(150);
    expect(parseDevice(CHROME_WINDOWS, long).name).toBe('x'.repeat(100));
    expect(parseDevice(CHROME_WINDOWS, `   ${'y'.repeat(100)}   `).name).toBe('y'.repeat(100));
    expect(parseDevice(CHROME_WINDOWS, 'z'.repeat(100)).name).toHaveLength(100);
    expect(parseDevice(CHROME_WINDOWS, 'z'.repeat(99)).name).toHaveLength(99);
  });
});
