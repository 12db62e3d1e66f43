import type { DailyShape, WeeklyRhythm } from './seasonality';

/**
 * When people listen, by device, in local hours: phones follow commutes and evenings, desktops
 * office hours, smart speakers breakfast and dinner, cars the commutes; weekends start later and
 * run longer into the evening. Shared by the demo source and the simulator, so both show the same
 * day.
 */

const MOBILE: WeeklyRhythm = {
  weekday: { floor: 0.1, bumps: [[8, 1.1, 0.55], [12.5, 2.5, 0.45], [17.8, 1.3, 0.55], [21, 2, 0.95]] },
  weekend: { floor: 0.12, bumps: [[11.5, 2.8, 0.65], [16, 2.8, 0.6], [21.3, 2.3, 1]] },
  dayVolume: [1.1, 0.95, 0.96, 0.97, 0.99, 1.05, 1.16],
};

export const DEVICE_RHYTHMS = {
  ios: MOBILE,
  android: MOBILE,
  web: {
    weekday: { floor: 0.08, bumps: [[10.5, 2.2, 0.7], [15, 2.3, 0.7], [21, 2, 0.6]] },
    weekend: { floor: 0.1, bumps: [[13, 3.5, 0.6], [21, 2.5, 0.75]] },
    dayVolume: [1, 1, 1, 1, 1, 1, 1.02],
  },
  desktop: {
    weekday: { floor: 0.06, bumps: [[11, 2.5, 0.9], [15.5, 2.2, 0.85], [21, 2, 0.5]] },
    weekend: { floor: 0.08, bumps: [[14, 3.5, 0.55], [21, 2.5, 0.65]] },
    dayVolume: [0.8, 1.05, 1.06, 1.06, 1.05, 0.98, 0.82],
  },
  smart_speaker: {
    weekday: { floor: 0.05, bumps: [[7.3, 1.3, 0.8], [12.5, 2, 0.2], [19.5, 2.3, 1]] },
    weekend: { floor: 0.06, bumps: [[10, 2.5, 0.7], [19.5, 2.8, 1]] },
    dayVolume: [1.18, 0.94, 0.95, 0.96, 0.97, 1.04, 1.2],
  },
  car: {
    weekday: { floor: 0.03, bumps: [[7.8, 0.9, 1], [17.5, 1.2, 1], [12.5, 1.5, 0.25]] },
    weekend: { floor: 0.04, bumps: [[11, 2.5, 0.6], [16, 2.5, 0.55]] },
    dayVolume: [1.05, 1.0, 1.0, 1.0, 1.0, 1.08, 0.95],
  },
} as const satisfies Record<string, WeeklyRhythm>;

/** Renewals and purchases are processed through the local business day. */
export const BILLING_DAY: DailyShape = { floor: 0.45, bumps: [[12.5, 4.5, 1]] };
