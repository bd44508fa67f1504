import streamlit as st

st.title("learned_embeddings")
st.write("Being built.")
