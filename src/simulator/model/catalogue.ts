import type { ContentType } from '../../common/events/vocabulary';
import { hash3, unit } from '../../common/synthetic/hash';
import { cumulativeWeights, type Rng } from '../../common/synthetic/rng';

/**
 * What there is to play: music tracks, podcast episodes and audiobook chapters, each with a
 * length and a popularity. Organic plays follow a steep Zipf law (the hits); plays from
 * recommendation surfaces a flatter one (discovery reaches into the long tail). The catalogue is
 * the same for every seed: it is the service's library, not the run's randomness.
 */

export type PlayableType = Exclude<ContentType, 'none' | 'radio'>;

export interface Item {
  id: string;
  lengthMs: number;
}

interface Shelf {
  items: Item[];
  organic: Float64Array;
  recommended: Float64Array;
}

const SHELF_SPECS: Record<PlayableType, { count: number; prefix: string; minMs: number; maxMs: number; organicZipf: number; recommendedZipf: number }> = {
  music: { count: 3000, prefix: 'trk', minMs: 120_000, maxMs: 360_000, organicZipf: 1.05, recommendedZipf: 0.6 },
  podcast: { count: 400, prefix: 'pod', minMs: 15 * 60_000, maxMs: 90 * 60_000, organicZipf: 1.1, recommendedZipf: 0.7 },
  audiobook: { count: 200, prefix: 'abk', minMs: 10 * 60_000, maxMs: 40 * 60_000, organicZipf: 0.9, recommendedZipf: 0.6 },
};

const CATALOGUE_SEED = 0x5eed;

function buildShelf(type: PlayableType): Shelf {
  const spec = SHELF_SPECS[type];
  const items: Item[] = [];
  const organic: number[] = [];
  const recommended: number[] = [];
  for (let i = 0; i < spec.count; i++) {
    // Lengths cluster in the middle of the range (sum of two uniforms), as real ones do.
    const u = (unit(hash3(CATALOGUE_SEED, type.length, 2 * i)) + unit(hash3(CATALOGUE_SEED, type.length, 2 * i + 1))) / 2;
    items.push({ id: `${spec.prefix}-${String(i).padStart(5, '0')}`, lengthMs: Math.round(spec.minMs + u * (spec.maxMs - spec.minMs)) });
    organic.push(1 / Math.pow(i + 1, spec.organicZipf));
    recommended.push(1 / Math.pow(i + 1, spec.recommendedZipf));
  }
  return { items, organic: cumulativeWeights(organic), recommended: cumulativeWeights(recommended) };
}

const SHELVES: Record<PlayableType, Shelf> = {
  music: buildShelf('music'),
  podcast: buildShelf('podcast'),
  audiobook: buildShelf('audiobook'),
};

export function pickItem(rng: Rng, type: PlayableType, fromRecommendation: boolean): Item {
  const shelf = SHELVES[type];
  return shelf.items[rng.pick(fromRecommendation ? shelf.recommended : shelf.organic)]!;
}
