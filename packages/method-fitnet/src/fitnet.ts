import * as tf from '@tensorflow/tfjs';
import {
  CONNECTOR_KINDS,
  ConvConnector,
  deriveSeed,
  detach,
  injectable,
  mse,
  Rng,
  UserError,
  z,
  type AuxModule,
  type DistillationMethod,
  type MethodSetupContext,
  type StageSpec,
  type StepContext,
  type TapRequest,
  type TappedModel,
  type TapValues,
  type TermSpec,
} from '@kd/core';
import { connectorGeometry } from './connector-geometry.js';
import { variablesUpTo, type GuidedScope } from './guided.js';

/** Hyperparameters of FitNets. */
export const fitnetHParams = z.object({
  studentTap: z
    .string()
    .min(1)
    .default('stage2')
    .describe("Student feature tap guided by the hint (FitNets' guided layer: the middle of the student)"),
  teacherTap: z
    .string()
    .min(1)
    .default('stage2')
    .describe("Teacher feature tap giving the hint (FitNets' hint layer: the middle of the teacher)"),
  connector: z
    .enum(CONNECTOR_KINDS)
    .default('conv-bn-relu')
    .describe(
      'Regressor from the student to the teacher feature: conv (1x1, or 3x3 stride k when the student map is k times larger) ' +
        "then BN then ReLU = RepDistiller's ConvReg; 'conv-bn' drops the ReLU, 'conv' the BN too",
    ),
  hintEpochs: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      "Epochs of FitNets' stage 1 (student layers up to the guided layer + connector on the hint loss alone); 0 skips it",
    ),
});

export type FitnetHParams = z.output<typeof fitnetHParams>;

export const fitnetTerms: readonly TermSpec[] = [
  {
    name: 'hint',
    defaultWeight: 100,
    description:
      'MSE(connector(student[studentTap]), teacher[teacherTap]), mean over all elements (beta=100 as in CRD/RepDistiller)',
  },
];

/**
 * The hint stage's one term, at weight 1 (the stage minimises the hint loss alone, so its scale only
 * rescales the learning rate; 1 keeps the stage as it always was).
 */
export const fitnetHintStageTerms: readonly TermSpec[] = [
  {
    name: 'hint',
    defaultWeight: 1,
    description:
      'the same MSE(connector(student[studentTap]), teacher[teacherTap]) as the distillation term, trained alone',
  },
];

/** Name of the connector aux module (and of its optimizer-visible variables' owner). */
export const CONNECTOR = 'connector';

/**
 * Romero et al. 2015, "FitNets: Hints for Thin Deep Nets". A connector regresses the student's guided
 * feature onto the teacher's hint feature; the hint loss is their mean squared error. Stage 1
 * (`hint`) trains the student up to the guided layer with the connector on that loss alone; the
 * distillation stage then keeps the hint term next to the run's other terms (RepDistiller protocol).
 */
@injectable()
export class FitnetMethod implements DistillationMethod<FitnetHParams> {
  private hp: FitnetHParams = fitnetHParams.parse({});
  private studentName = 'student';
  private studentModel?: TappedModel;
  private inputShape: readonly number[] = [];
  private scope?: GuidedScope;
  private conn?: ConvConnector;

  setup(ctx: MethodSetupContext<FitnetHParams>): void {
    this.hp = ctx.hparams;
    this.studentName = ctx.student.name;
    this.studentModel = ctx.student.model;
    this.inputShape = ctx.data.inputShape;
    this.scope = undefined;
    // Sized from the declared taps; ctx.tap throws a MissingTapError naming a missing tap.
    const studentSpec = ctx.tap('student', this.hp.studentTap);
    const teacherSpec = ctx.tap('teacher', this.hp.teacherTap);
    const geometry = connectorGeometry(
      { name: this.hp.studentTap, spec: studentSpec },
      { name: this.hp.teacherTap, spec: teacherSpec },
    );
    this.conn?.dispose();
    this.conn = new ConvConnector(geometry, this.hp.connector, new Rng(deriveSeed(ctx.seed, 'fitnet', CONNECTOR)));
  }

  /** The connector (after `setup`). */
  get connector(): ConvConnector {
    if (!this.conn) throw new Error("method 'fitnet': setup() has not run");
    return this.conn;
  }

  requiredTaps(): readonly TapRequest[] {
    return [
      { role: 'teacher', tap: this.hp.teacherTap },
      { role: 'student', tap: this.hp.studentTap },
    ];
  }

  auxModules(): readonly AuxModule[] {
    return this.conn ? [{ name: CONNECTOR, module: this.conn }] : [];
  }

  /** The student parameters the hint stage trains (computed once, on first use). */
  guidedScope(): GuidedScope {
    if (!this.studentModel) throw new Error("method 'fitnet': setup() has not run");
    this.scope ??= variablesUpTo(this.studentModel, this.hp.studentTap, this.inputShape);
    return this.scope;
  }

  stages(): readonly StageSpec[] {
    if (this.hp.hintEpochs === 0) return [];
    const scope = this.guidedScope();
    const student = this.studentName;
    return [
      {
        name: 'hint',
        description:
          `FitNets stage 1: the student up to '${this.hp.studentTap}' and the connector learn to regress the ` +
          `teacher's '${this.hp.teacherTap}' (hint loss only; student scope: ${scope.mode}, ${scope.note})`,
        defaultEpochs: this.hp.hintEpochs,
        terms: fitnetHintStageTerms,
        trainable: [student, CONNECTOR],
        taps: this.requiredTaps(),
        variableFilter: (participant: string, path: string) => participant !== student || scope.paths.has(path),
        losses: (step: StepContext): Record<string, tf.Scalar> =>
          step.active.has('hint') ? { hint: this.hint(step) } : {},
      },
    ];
  }

  losses(step: StepContext): Record<string, tf.Scalar> {
    const out: Record<string, tf.Scalar> = {};
    if (step.active.has('hint')) out['hint'] = this.hint(step);
    return out;
  }

  /** MSE(connector(student feature), teacher feature); the teacher's feature is a constant. */
  private hint(step: StepContext): tf.Scalar {
    const s = this.tapValue(step.student, 'student', this.hp.studentTap);
    const t = this.tapValue(step.teacher, 'teacher', this.hp.teacherTap);
    const connector = this.connector;
    return tf.tidy(() => {
      const mapped = connector.apply(s, true);
      if (!tf.util.arraysEqual(mapped.shape, t.shape)) {
        throw new UserError(
          `method 'fitnet': connector output [${mapped.shape.join(', ')}] does not match teacher tap ` +
            `'${this.hp.teacherTap}' [${t.shape.join(', ')}] (student tap '${this.hp.studentTap}' [${s.shape.join(', ')}])`,
        );
      }
      return mse(mapped, detach(t));
    });
  }

  private tapValue(values: TapValues | undefined, role: string, tap: string): tf.Tensor {
    const v = values?.[tap];
    if (!v) throw new UserError(`method 'fitnet': no ${role} tap '${tap}' in this step's outputs`);
    return v;
  }

  dispose(): void {
    this.conn?.dispose();
    this.conn = undefined;
  }
}
