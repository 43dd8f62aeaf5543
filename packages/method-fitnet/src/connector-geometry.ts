import { pointwiseGeometry, UserError, type ConnectorGeometry, type TapSpec } from '@kd/core';

export interface TapRef {
  readonly name: string;
  readonly spec: TapSpec;
}

function describeTap(role: string, t: TapRef): string {
  return `${role} tap '${t.name}' [${t.spec.shape.join(', ')}]`;
}

function featureShape(role: string, t: TapRef): [number, number, number] {
  const s = t.spec.shape;
  if (t.spec.kind !== 'feature' || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(
      `method 'fitnet' needs a feature map [H, W, C] with known sizes; ${describeTap(role, t)} is a '${t.spec.kind}' tap`,
    );
  }
  return [s[0]!, s[1]!, s[2]!];
}

/**
 * Sizes FitNets' connector (core's `ConvConnector`) from the declared tap shapes (NHWC, no batch dim),
 * as RepDistiller's ConvReg:
 * - same spatial size: 1x1 conv;
 * - student map k times larger (same integer k on both axes): 3x3 conv, stride k, padding 1
 *   (ConvReg's case for k = 2; output ceil(H/k) = H_t);
 * - anything else (student smaller, non-integer ratio): a UserError naming both shapes.
 */
export function connectorGeometry(student: TapRef, teacher: TapRef): ConnectorGeometry {
  const [sh, sw, sc] = featureShape('student', student);
  const [th, tw, tc] = featureShape('teacher', teacher);
  if (sh === th && sw === tw) return pointwiseGeometry(sc, tc);
  const k = sh / th;
  if (Number.isInteger(k) && k > 1 && sw / tw === k) {
    return { inChannels: sc, outChannels: tc, kernel: 3, stride: k, padding: 1 };
  }
  throw new UserError(
    `method 'fitnet' cannot connect ${describeTap('student', student)} to ${describeTap('teacher', teacher)}: ` +
      'the connector needs equal spatial sizes or a student map larger by the same integer factor on both axes ' +
      '(choose other taps with studentTap / teacherTap)',
  );
}
