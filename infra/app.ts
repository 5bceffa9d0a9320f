// CDK entry point (cdk.json runs it with tsx).
import { buildApp } from './build.js';

buildApp().app.synth();
