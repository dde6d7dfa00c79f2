// Attention kernels on the f32-storage device (see attention.suite.ts).
import { attentionSuite } from './attention.suite.ts';

attentionSuite('f32');
