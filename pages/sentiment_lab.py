import streamlit as st

st.title("sentiment_lab")
st.write("Being built.")
