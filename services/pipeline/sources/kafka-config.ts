// Kafka settings from the environment (defaults match docs/architecture.md).
import { z } from 'zod';
import { env, loadConfig } from '../../core/config.ts';

export const kafkaEnvShape = {
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .refine((v) => v.split(',').every((b) => /^[^\s:,]+:\d{1,5}$/.test(b.trim())), 'expected host:port[,host:port...]'),
  KAFKA_TOPIC: env.string('movielog'),
  KAFKA_GROUP_ID: env.string('marquee-pipeline'),
  INGEST_WINDOW_MS: env.int(900_000, 1),
};

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  groupId: string;
  windowMs: number;
}

export const splitBrokers = (v: string): string[] =>
  v
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);

export function kafkaSettingsFromEnv(source: Record<string, string | undefined> = process.env): KafkaSettings {
  const c = loadConfig(kafkaEnvShape, source);
  return { brokers: splitBrokers(c.KAFKA_BROKERS), topic: c.KAFKA_TOPIC, groupId: c.KAFKA_GROUP_ID, windowMs: c.INGEST_WINDOW_MS };
}
