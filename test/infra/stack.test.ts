import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build.js';

let template: Template;
beforeAll(() => {
  const { stack } = buildApp(new App({ context: { 'aws:cdk:bundling-stacks': [] } }));
  template = Template.fromStack(stack);
});

describe('CosearchStack', () => {
  it('keeps searches in an encrypted, private, TLS-only bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('runs every function on nodejs22.x arm64 with a log group', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    const ours = Object.values(fns).filter((f) => f.Metadata?.['cosearch:handler']);
    expect(ours).toHaveLength(7);
    for (const f of ours) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.LoggingConfig?.LogGroup).toBeDefined();
    }
  });

  it('authorizes every API method with AWS_IAM', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    expect(methods.length).toBeGreaterThanOrEqual(4);
    for (const m of methods)
      if (m.Properties.HttpMethod !== 'OPTIONS') expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('grants no "*" action on "*" resources', () => {
    for (const p of Object.values(template.findResources('AWS::IAM::Policy'))) {
      for (const s of p.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[]) {
        const actions = [s.Action].flat();
        expect(actions.includes('*') && JSON.stringify(s.Resource) === '"*"').toBe(false);
      }
    }
  });

  it('has one state machine with an inline Map over the candidates', () => {
    const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const text = JSON.stringify(sm!.Properties.DefinitionString);
    expect(text).toContain('\\"Type\\":\\"Map\\"');
    expect(text).toContain('\\"MaxConcurrency\\":40');
    expect(text).not.toContain('JSONata');
  });
});
