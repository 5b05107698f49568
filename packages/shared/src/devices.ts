import { UAParser } from 'ua-parser-js';

export const DEVICE_TYPES = ['DESKTOP', 'MOBILE', 'TABLET', 'OTHER'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** What a session records of the device that opened it. */
export interface DeviceInfo {
  type: DeviceType;
  os?: string;
  browser?: string;
  /** A name the user gave the device ("Work laptop"). */
  name?: string;
}

const DEVICE_NAME_MAX = 100;

/** Parses a User-Agent header (ua-parser-js); a missing or unknown agent is an OTHER device. */
export function parseDevice(userAgent: string | undefined, name?: string | null): DeviceInfo {
  const result = new UAParser(userAgent ?? '').getResult();
  const kind = result.device.type;
  // ua-parser-js leaves device.type undefined for desktop browsers.
  const type: DeviceType =
    kind === 'mobile'
      ? 'MOBILE'
      : kind === 'tablet'
        ? 'TABLET'
        : kind === undefined && result.browser.name
          ? 'DESKTOP'
          : 'OTHER';
  const version = (value?: string) => value?.split('.')[0];
  const label = (label?: string, ver?: string) =>
    label ? [label, version(ver)].filter(Boolean).join(' ') : undefined;
  // Cut by characters, not UTF-16 units, so an emoji is never split; then trim again.
  const trimmed = name ? Array.from(name.trim()).slice(0, DEVICE_NAME_MAX).join('').trim() : '';
  return {
    type,
    os: label(result.os.name, result.os.version),
    browser: label(result.browser.name, result.browser.version),
    name: trimmed ? trimmed : undefined,
  };
}
