import { ewmaDetector } from './ewma';
import { holtWintersDetector } from './holt-winters';
import { rollingDetector } from './rolling';
import { seasonalDetector } from './seasonal';
import type { Detector, NamedDetector } from './types';

export const DETECTORS: Readonly<Record<NamedDetector, Detector>> = {
  rolling: rollingDetector,
  ewma: ewmaDetector,
  seasonal: seasonalDetector,
  holt_winters: holtWintersDetector,
};

export { ALGORITHMS, type Algorithm, type ConcreteAlgorithm } from './types';
