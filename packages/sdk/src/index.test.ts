import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type as TypeBox } from 'typebox';
import { CellError as ProtocolCellError } from '@cell/protocol';
import { Bytes as ContractBytes } from '@cell/contract';
import * as sdk from './index.ts';

// The SDK's exports are the product's public surface: what every cell imports. Adding to it is a
// decision, removing from it breaks cells; either way this test has to change with it.

describe('@cell/sdk public surface', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(sdk).sort()).toEqual(
      [
        'Bytes',
        'CallContext',
        'CellError',
        'ERROR_CODES',
        'cells',
        'Type',
        'clientStream',
        'connect',
        'connectDynamic',
        'createLogger',
        'defineContract',
        'duplex',
        'fetchGenome',
        'isCellError',
        'notify',
        'processLog',
        'serve',
        'serverStream',
        'unary',
      ].sort(),
    );
  });

  it('re-exports the one TypeBox and the one CellError, not copies (so Bytes stands beside Type, not in it)', () => {
    expect(sdk.Type).toBe(TypeBox);
    expect(sdk.Bytes).toBe(ContractBytes);
    expect(sdk.CellError).toBe(ProtocolCellError);
  });

  it('exports these types (a missing one fails to compile)', () => {
    const contract = sdk.defineContract({ name: 'x', version: '1.0.0', methods: { m: sdk.unary({ input: sdk.Type.String(), output: sdk.Type.Number(), errors: { E: sdk.Type.Null() } }) } });
    expect(contract.methods.m.kind).toBe('unary');
    type C = typeof contract;
    type M = C['methods']['m'];
    type Surface = [
      sdk.Static<sdk.TSchema>,
      sdk.CellErrorCode,
      sdk.Contract,
      sdk.MethodDef,
      sdk.MethodKind,
      sdk.ErrorSchemas,
      sdk.Genome,
      sdk.GenomeMethod,
      sdk.JsonSchema,
      sdk.Handler<M>,
      sdk.Handlers<C>,
      sdk.InputOf<M>,
      sdk.OutputOf<M>,
      sdk.CallError<M>,
      sdk.CallResult<number, sdk.CallError<M>>,
      sdk.CallOptions,
      sdk.DeclaredErrorOf<M['errors']>,
      sdk.SdkError,
      sdk.ClientMethod<M>,
      sdk.StreamSource<string>,
      sdk.BytesOptions,
      sdk.TBytes,
      sdk.DeclaredError<'E', null>,
      sdk.CallerInfo,
      sdk.Membrane<C>,
      sdk.ServeOptions,
      sdk.AxonServeOptions,
      sdk.ConnectOptions,
      sdk.Synapse<C>,
      sdk.SynapseControls<C>,
      sdk.DynamicSynapse,
      sdk.RemoteInfo,
      sdk.Logger,
      sdk.LoggerOptions,
    ];
    expectTypeOf<Surface>().toBeArray();
    expectTypeOf<sdk.InputOf<M>>().toEqualTypeOf<string>();
  });
});
