import { Injectable } from '@nestjs/common';
import type { GuardrailPhase } from '@tollgate/guardrail-sdk';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const GUARDRAIL_CHECKS_TOTAL = 'tollgate_guardrail_checks_total';
export const GUARDRAIL_CHECK_DURATION = 'tollgate_guardrail_check_duration_seconds';

/** How one hook call ended: its verdict, or the kind of malfunction. */
export type GuardrailOutcome = 'allow' | 'block' | 'mutate' | 'error' | 'timeout' | 'invalid_verdict';

/** Where the runner reports each hook call; an interface so specs can run without Prometheus. */
export interface GuardrailObserver {
  observe(guardrail: string, phase: GuardrailPhase, outcome: GuardrailOutcome, seconds: number): void;
}

/** Per-check count and latency by configured guardrail name, phase and outcome (low cardinality: names come from config). */
@Injectable()
export class GuardrailMetrics implements GuardrailObserver {
  constructor(
    @InjectMetric(GUARDRAIL_CHECKS_TOTAL) private readonly checks: Counter<'guardrail' | 'phase' | 'outcome'>,
    @InjectMetric(GUARDRAIL_CHECK_DURATION) private readonly duration: Histogram<'guardrail' | 'phase'>,
  ) {}

  observe(guardrail: string, phase: GuardrailPhase, outcome: GuardrailOutcome, seconds: number): void {
    this.checks.inc({ guardrail, phase, outcome });
    this.duration.observe({ guardrail, phase }, seconds);
  }
}
