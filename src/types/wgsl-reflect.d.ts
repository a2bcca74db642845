// wgsl_reflect@1.6's Node entry is broken, so we import its ES module file; give it the package's types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
