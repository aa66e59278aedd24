import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsNumber, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';
import { MAX_BIGINT_COUNT, MAX_PAGE } from '../../common/column-bounds';

/**
 * One decorator per field shape: Swagger documentation plus validation. Every field is optional and `null`
 * means "not set", as LiteLLM's pydantic models treat it.
 */
export const OptionalString = (description?: string, example?: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: String, nullable: true, description, example }), IsOptional(), IsString());

export const OptionalStringList = (description?: string, example?: string[]): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: [String], nullable: true, description, example }), IsOptional(), IsArray(), IsString({ each: true }));

export const OptionalObject = (description?: string, example?: Record<string, unknown>): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description, example }), IsOptional(), IsObject());

/** LiteLLM turns `""` into None for budgets, so UIs that send an empty field keep working. */
export const OptionalNumber = (description?: string, example?: number): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: Number, nullable: true, description, example }),
    Transform(({ value }: { value: unknown }) => (value === '' ? null : value)),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
  );

/** A non-negative integer the database stores in a column holding at most `max` (a BIGINT unless told). */
export const OptionalCount = (description?: string, example?: number, max = MAX_BIGINT_COUNT): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: Number, nullable: true, description, example, maximum: max }), IsOptional(), IsInt(), Min(0), Max(max));

/** A page number of a listing, from the query string. */
export const OptionalPage = (description?: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ default: 1, minimum: 1, maximum: MAX_PAGE, description }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_PAGE),
  );

export const OptionalBoolean = (description?: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ type: Boolean, nullable: true, description }), IsOptional(), IsBoolean());
