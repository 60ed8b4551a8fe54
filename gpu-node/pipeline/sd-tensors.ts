/** Names of the exported graphs' tensors, as diffusers' and Optimum's SD exports write them. */
export const SD_TENSORS = {
  textEncoder: { input: 'input_ids', hidden: 'last_hidden_state', pooled: 'pooler_output' },
  unet: { sample: 'sample', timestep: 'timestep', context: 'encoder_hidden_states', output: 'out_sample' },
  vaeDecoder: { input: 'latent_sample', output: 'sample' },
} as const;
